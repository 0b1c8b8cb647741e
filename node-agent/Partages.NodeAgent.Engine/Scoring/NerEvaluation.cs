using System.Diagnostics;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine.Bundles;
using Partages.NodeAgent.Engine.Datasets;
using Partages.NodeAgent.Engine.Telemetry;
using Partages.NodeAgent.Engine.Tokenization;

namespace Partages.NodeAgent.Engine.Scoring;

/// <summary>
/// Runs a <see cref="TaskTypes.TokenClassification"/> job: checks the dataset (jsonl with <c>entities</c>, or a brat
/// folder), the bundle, its tags against the spec's entity types and the graph against the manifest; then reads the
/// documents in chunks of one batch, cuts each into windows, scores the windows in padded batches, merges each
/// document's windows (every piece from the window where it is most central), decodes and counts. Only the
/// statistics of <see cref="NerScorer"/> and the counts of skipped documents come out (<see cref="NerResults"/>).
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
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        using var activity = EngineTelemetry.ActivitySource.StartActivity("evaluate");
        activity?.SetTag("partages.task", job.Spec.Task);
        activity?.SetTag("partages.dataset", job.Dataset.Name);
        try
        {
            return RunCore(job, options, progress, activity, cancellationToken);
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
        IProgress<EvaluationProgress>? progress,
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
        var encoder = bundle.Encoder;
        using var session = NerSession.Create(bundle.ModelBytes, manifest, options);
        activity?.SetTag("partages.model", $"{manifest.Name}@{manifest.Version}");
        var total = DatasetScanner.Scan(dataset, options.MaxLineBytes, fingerprint: false, cancellationToken).Documents;

        var scorer = new NerScorer(types, job.MaxEntitiesPerReport);
        var invalid = new SkipTally();
        IDocumentReader reader;
        Stream? stream = null;
        if (brat)
        {
            reader = new BratDocumentReader(DatasetFile.BratFolder(dataset), types, options.MaxLineBytes);
        }
        else
        {
            stream = DatasetFile.OpenRead(dataset);
            reader = new JsonlDocumentReader(stream, types, options.MaxLineBytes, GoldKind.Entities);
        }

        using (stream)
        {
            var chunk = new List<NerDocument>(options.BatchSize);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var more = reader.TryRead(out var document);
                if (more)
                {
                    chunk.Add(new NerDocument(encoder.Pieces(document.Text), encoder.MaxPieces, encoder.Stride, document.Entities ?? []));
                }

                if (chunk.Count == options.BatchSize || (!more && chunk.Count > 0))
                {
                    ScoreChunk(chunk, encoder, session, manifestToIob2, options.BatchSize, cancellationToken);
                    foreach (var scored in chunk)
                    {
                        if (scored.IsInvalid)
                        {
                            invalid.Add(SkipKinds.InvalidLogits);
                        }
                        else
                        {
                            scorer.Add(scored);
                        }
                    }

                    chunk.Clear();
                    progress?.Report(new EvaluationProgress(reader.DocumentsRead, Math.Max(total, reader.DocumentsRead)));
                }

                if (!more)
                {
                    break;
                }
            }
        }

        var summary = new InputSummary
        {
            DocumentsRead = reader.DocumentsRead,
            DocumentsEvaluated = scorer.DocumentsScored,
            Skipped = SkipTally.Merge(reader.Skipped, invalid),
        };
        EngineTelemetry.DocumentsEvaluated.Add(summary.DocumentsEvaluated);
        foreach (var (kind, count) in summary.Skipped)
        {
            EngineTelemetry.DocumentsSkipped.Add(count, new KeyValuePair<string, object?>("kind", kind));
        }

        activity?.SetTag("partages.documents.read", summary.DocumentsRead);
        activity?.SetTag("partages.documents.evaluated", summary.DocumentsEvaluated);
        return NerResults.Build(job.Spec.Task, scorer.Statistics, summary);
    }

    /// <summary>Scores every window of the chunk's documents in padded batches of at most <paramref name="batchSize"/> windows.</summary>
    private static void ScoreChunk(
        List<NerDocument> documents,
        TextEncoder encoder,
        NerSession session,
        int[] manifestToIob2,
        int batchSize,
        CancellationToken cancellationToken)
    {
        var windows = documents.SelectMany(d => Enumerable.Range(0, d.Windows.Length).Select(w => (Document: d, Window: w))).ToList();
        for (var start = 0; start < windows.Count; start += batchSize)
        {
            var batch = windows.GetRange(start, Math.Min(batchSize, windows.Count - start));
            var sequence = batch.Max(b => b.Document.Windows[b.Window].Count) + 2;
            var ids = new long[batch.Count * sequence];
            var mask = new long[batch.Count * sequence];
            if (encoder.PaddingTokenId != 0)
            {
                Array.Fill(ids, encoder.PaddingTokenId);
            }

            for (var r = 0; r < batch.Count; r++)
            {
                var (document, w) = batch[r];
                var window = document.Windows[w];
                var offset = r * sequence;
                ids[offset] = encoder.ClassificationTokenId;
                for (var i = 0; i < window.Count; i++)
                {
                    ids[offset + 1 + i] = document.Pieces[window.Start + i].Id;
                }

                ids[offset + window.Count + 1] = encoder.SeparatorTokenId;
                mask.AsSpan(offset, window.Count + 2).Fill(1);
            }

            var started = Stopwatch.GetTimestamp();
            var logits = session.Score(ids, mask, batch.Count, sequence, cancellationToken);
            EngineTelemetry.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            var rowLength = sequence * session.Tags;
            for (var r = 0; r < batch.Count; r++)
            {
                batch[r].Document.AddWindow(batch[r].Window, logits.AsSpan(r * rowLength, rowLength), session.Tags, manifestToIob2);
            }
        }
    }
}
