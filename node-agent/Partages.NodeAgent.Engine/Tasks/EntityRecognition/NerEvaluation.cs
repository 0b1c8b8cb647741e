using System.Diagnostics;
using Partages.NodeAgent.Engine.Bundles;
using Partages.NodeAgent.Engine.Telemetry;
using Partages.NodeAgent.Engine.LocalMode;
using Partages.NodeAgent.Engine.Resilience;

namespace Partages.NodeAgent.Engine.Tasks.EntityRecognition;

/// <summary>
/// Runs a <see cref="TaskTypes.TokenClassification"/> job: checks the dataset (jsonl with <c>entities</c>, or a brat
/// folder), the bundle, its tags against the spec's entity types and the graph against the manifest; then reads the
/// documents in chunks of one block of lines (<see cref="LineBlocks"/>), cuts each into windows, scores the windows in padded batches
/// (<see cref="NerChunkScorer"/>: a document that makes the model fail is counted <c>inference_failed</c>, the run goes
/// on), merges each document's windows (every piece from the window where it is most central), decodes and counts.
/// Only the statistics of <see cref="NerScorer"/> and the counts of skipped documents come out (<see cref="NerResults"/>).
/// Chunks are committed in reading order, so a <see cref="RunPlan"/> and checkpoints work as for classification.
/// </summary>
/// <remarks>
/// Reading, tokenizing and inference run one after the other on one task, unlike the classification pipeline's
/// overlapping stages: entity recognition has no throughput target yet, and the simple loop is easier to audit.
/// </remarks>
internal static class NerEvaluation
{
    public static ResultDocument Run(
        EvaluationJob job,
        EvaluationEngineOptions options,
        RunPlan plan,
        IInferenceObserver? observer,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken,
        IPredictionSink? predictions = null)
    {
        using var activity = EngineTelemetry.ActivitySource.StartActivity("evaluate");
        activity?.SetTag("partages.task", job.Spec.Task);
        activity?.SetTag("partages.dataset", job.Dataset.Name);
        try
        {
            return RunCore(job, options, new Segment(plan, observer, progress, predictions), activity, cancellationToken);
        }
        catch (EvaluationRefusedException ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
    }

    private static ResultDocument RunCore(
        EvaluationJob job,
        EvaluationEngineOptions options,
        Segment run,
        Activity? activity,
        CancellationToken cancellationToken)
    {
        var dataset = job.Dataset;
        var brat = DatasetFile.Is(dataset, DatasetFormats.Brat);
        if (!brat && !DatasetFile.Is(dataset, DatasetFormats.Jsonl))
        {
            throw new EvaluationRefusedException(
                $"dataset '{dataset.Name}' has format '{dataset.Format}'; task '{job.Spec.Task}' reads entity spans from jsonl (\"entities\") or brat folders");
        }

        // The dataset is checked before the bundle is unpacked: a missing file is the cheapest refusal.
        if (brat)
        {
            _ = DatasetFile.BratFolder(dataset);
        }
        else
        {
            DatasetFile.OpenRead(dataset).Dispose();
        }

        var bundle = BundleReader.Read(job.BundlePath, options);
        var manifest = bundle.Manifest;
        if (manifest.Task != job.Spec.Task)
        {
            throw new EvaluationRefusedException($"the spec's task '{job.Spec.Task}' differs from the model's task '{manifest.Task}'");
        }

        var types = job.Spec.Labels;
        var manifestToIob2 = NerTagMapping.ManifestToIob2(types, manifest);
        using var session = NerSession.Create(bundle.ModelBytes, manifest, options);
        activity?.SetTag("partages.model", $"{manifest.Name}@{manifest.Version}");
        var total = DatasetScanner.Scan(dataset, options.MaxLineBytes, fingerprint: false, cancellationToken).Documents;

        var edsNlp = NerEdsNlpOptions.From(job.Spec.Metrics, job.Spec.NerOverlapThreshold);
        var qualifiers = NerQualifierCheck.Options(job.Spec.Metrics, manifest);
        var resolver = NerQualifierCheck.Resolver(qualifiers);
        var scorer = new NerScorer(types, job.MaxEntitiesPerReport, job.MaxWordsPerReport, job.Spec.NerMatching, edsNlp, qualifiers);
        var inference = new SkipTally();
        IDocumentReader reader;
        Stream? stream = null;
        if (brat)
        {
            reader = new BratDocumentReader(DatasetFile.BratFolder(dataset), types, options.MaxLineBytes, resolver);
        }
        else
        {
            stream = DatasetFile.OpenRead(dataset);
            reader = new JsonlDocumentReader(stream, types, options.MaxLineBytes, GoldKind.Entities, resolver);
        }

        SegmentReader segment;
        long lastReported = -1;
        using (stream)
        {
            segment = new SegmentReader(job.Read(reader), run.Plan);
            var lookup = new RunPlanLookup(run.Plan);
            var chunkScorer = new NerChunkScorer(bundle.Encoder, session, manifestToIob2, options, run.Observer, wordTokens: edsNlp is not null);
            run.Observer?.ReadingStarted(total);
            var chunk = new List<ChunkItem>(options.BatchSize);
            var chunking = new LineBlocks(options.BatchSize);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!segment.TryRead(out var document, out var ordinal))
                {
                    if (chunk.Count > 0)
                    {
                        Commit();
                    }

                    break;
                }

                var isolated = lookup.IsIsolated(ordinal);
                if (chunking.StartsNewChunk(segment.DocumentsRead, isolated) && chunk.Count > 0)
                {
                    Commit();
                }

                chunk.Add(new ChunkItem(document, ordinal, lookup.IsFailed(ordinal), segment.Position(withSkips: run.Observer is not null)));
                if (chunking.EndsChunk(segment.DocumentsRead, isolated))
                {
                    Commit();
                }
            }

            void Commit()
            {
                var scored = chunkScorer.Score(chunk, cancellationToken);
                for (var i = 0; i < scored.Length; i++)
                {
                    var document = scored[i];
                    if (document is null)
                    {
                        inference.Add(SkipKinds.InferenceFailed);
                    }
                    else if (document.IsInvalid)
                    {
                        inference.Add(SkipKinds.InvalidLogits);
                    }
                    else
                    {
                        var predicted = scorer.Add(document);
                        run.Predictions?.Write(LocalPrediction(chunk[i], document, predicted, types));
                    }
                }

                var after = chunk[^1].After;
                lastReported = after.DocumentsRead;
                run.Progress?.Report(new EvaluationProgress(lastReported, Math.Max(total, lastReported)));
                if (run.Observer is not null)
                {
                    var summary = new InputSummary
                    {
                        DocumentsRead = after.LinesSinceStart,
                        DocumentsEvaluated = scorer.DocumentsScored,
                        Skipped = SkipTally.Sum(after.SkippedSinceStart!, inference.Snapshot()),
                    };
                    run.Observer.Checkpoint(new SegmentCheckpoint(after.DocumentsRead, chunk[^1].Ordinal + 1, Build(job, scorer, summary)));
                }

                chunk = new List<ChunkItem>(options.BatchSize);
            }
        }

        if (run.Progress is not null && lastReported != segment.DocumentsRead)
        {
            run.Progress.Report(new EvaluationProgress(segment.DocumentsRead, Math.Max(total, segment.DocumentsRead)));
        }

        var final = new InputSummary
        {
            DocumentsRead = segment.LinesSinceStart,
            DocumentsEvaluated = scorer.DocumentsScored,
            Skipped = SkipTally.Sum(segment.SkippedSinceStart(), inference.Snapshot()),
        };
        EngineTelemetry.DocumentsEvaluated.Add(final.DocumentsEvaluated);
        foreach (var (kind, count) in final.Skipped)
        {
            EngineTelemetry.DocumentsSkipped.Add(count, new KeyValuePair<string, object?>("kind", kind));
        }

        // Node-local only (docs/datasets.md#notes-node-local): the released result counts each set-aside report once.
        var (notes, problems) = reader switch
        {
            BratDocumentReader b => (b.Notes, b.Problems),
            JsonlDocumentReader j => (j.Notes, j.Problems),
            _ => (new SkipTally(), new SkipTally()),
        };
        foreach (var (kind, count) in SkipTally.Merge(notes))
        {
            EngineTelemetry.AnnotationNotes.Add(count, new KeyValuePair<string, object?>("kind", kind));
        }

        foreach (var (kind, count) in SkipTally.Merge(problems))
        {
            EngineTelemetry.DocumentProblems.Add(count, new KeyValuePair<string, object?>("kind", kind));
        }

        activity?.SetTag("partages.documents.read", final.DocumentsRead);
        activity?.SetTag("partages.documents.evaluated", final.DocumentsEvaluated);
        return Build(job, scorer, final);
    }

    private static ResultDocument Build(EvaluationJob job, NerScorer scorer, InputSummary summary) =>
        NerResults.Build(job.Spec.Task, scorer.Statistics, summary);

    /// <summary>
    /// Local mode's line for one document: its gold and counted predicted spans, converted from the engine's UTF-16
    /// indices back to the code points the datasets count in (they differ only past a character outside the BMP).
    /// </summary>
    private static EntityPrediction LocalPrediction(ChunkItem item, NerDocument document, List<NerEntity> predicted, IReadOnlyList<string> types)
    {
        var offsets = new CodePointOffsets(item.Document.Text);
        PredictedSpan Span(int start, int end, int type) => new(offsets.ToCodePoint(start), offsets.ToCodePoint(end), types[type]);
        return new EntityPrediction(
            item.Document.Id ?? (item.Ordinal + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            [.. document.Gold.Select(g => Span(g.Start, g.End, g.Label))],
            [.. predicted.OrderBy(p => p.Start).ThenBy(p => p.End).Select(p => Span(p.Start, p.End, p.Type))]);
    }

    /// <summary>The part of the run asked for, who watches it, where progress and (local mode only) predictions go.</summary>
    private sealed record Segment(RunPlan Plan, IInferenceObserver? Observer, IProgress<EvaluationProgress>? Progress, IPredictionSink? Predictions);
}
