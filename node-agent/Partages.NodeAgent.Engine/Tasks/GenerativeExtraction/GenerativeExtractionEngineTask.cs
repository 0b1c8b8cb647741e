using System.Text;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.NodeAgent.Engine.Datasets;
using Partages.NodeAgent.Engine.Generation;
using Partages.NodeAgent.Engine.LocalMode;
using Partages.NodeAgent.Engine.Resilience;
using Partages.NodeAgent.Engine.Telemetry;

namespace Partages.NodeAgent.Engine.Tasks.GenerativeExtraction;

/// <summary>
/// Runs a <c>generative_extraction</c> job: opens the generative bundle and checks its parts agree, then for each
/// report fills the prompt template, generates greedily through ONNX Runtime GenAI with the output held to the
/// contract by GenAI's guidance (<see cref="ContractGuidance"/>), parses the fields and counts them
/// (<see cref="GenerativeResults"/>). A generation cut by its token or time budget, or by the context, is counted as
/// an invalid output of that kind; a report ONNX Runtime fails on is skipped as <c>inference_failed</c>. Nothing per
/// report leaves, except to local mode's predictions file.
/// </summary>
internal sealed class GenerativeExtractionEngineTask : EngineTask
{
    public override string Name => GenerativeExtractionTask.TaskName;

    public override Task<ResultDocument> RunAsync(EngineRun run) => Task.FromResult(Run(run));

    private static ResultDocument Run(EngineRun run)
    {
        var job = run.Job;
        using var session = GenerativeSession.Open(run);
        var settings = session.Settings;
        if (!settings.Fields.Select(f => f.Name).SequenceEqual(job.Spec.Labels, StringComparer.Ordinal))
        {
            throw new EvaluationRefusedException(
                $"the spec's labels [{string.Join(", ", job.Spec.Labels)}] are not the bundle's fields in order [{string.Join(", ", settings.Fields.Select(f => f.Name))}]");
        }

        var contract = new OutputContract(settings.Fields);
        var guidance = session.Guidance(contract, ContractGuidance.Of(contract), checkEnforceable: true);
        return Evaluate(run, session, contract, guidance);
    }

    private static ResultDocument Evaluate(EngineRun run, GenerativeSession session, OutputContract contract, ContractGuidance guidance)
    {
        var job = run.Job;
        var tokenizer = session.Tokenizer;
        var prompts = session.Prompts();
        var settings = session.Settings;
        var fields = contract.Fields;
        var counts = fields.Select(f => new ClassificationCounts(OutputContract.MatrixLabels(f))).ToList();
        var outputs = new Dictionary<string, long>(StringComparer.Ordinal);
        var inference = new SkipTally();
        long truncated = 0, evaluated = 0;
        var prefix = Encoding.UTF8.GetBytes(settings.OutputPrefix);
        var total = DatasetScanner.Scan(job.Dataset, run.Options.MaxLineBytes, fingerprint: false, run.CancellationToken).Documents;
        using var stream = DatasetFile.OpenRead(job.Dataset);
        var segment = new SegmentReader(new FieldsDocumentReader(stream, fields, run.Options.MaxLineBytes), run.Plan);
        while (segment.TryRead(out var document, out var ordinal))
        {
            run.CancellationToken.ThrowIfCancellationRequested();
            var (prompt, cut) = prompts.Build(document.Text);
            GenerationResult generation;
            try
            {
                generation = session.Generate(prompt, guidance, run.CancellationToken);
            }
            catch (InvalidOperationException)
            {
                inference.Add(SkipKinds.InferenceFailed);
                continue;
            }

            evaluated++;
            truncated += cut ? 1 : 0;
            var written = tokenizer.Bytes(generation.Tokens);
            var (values, invalid) = contract.Parse([.. prefix, .. written]);
            var outcome = values is not null ? GenerativeSection.Valid : GenerativeSession.KindOf(generation.Outcome) ?? invalid!;
            outputs[outcome] = outputs.GetValueOrDefault(outcome) + 1;
            for (var f = 0; f < fields.Count; f++)
            {
                var predicted = values is null ? fields[f].Values.Count : fields[f].Values.ToList().IndexOf(values[f]);
                counts[f].Add(document.Labels![f], predicted);
            }

            run.Predictions?.Write(new GenerationPrediction(
                document.Id ?? (ordinal + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                [.. fields.Select((f, i) => new KeyValuePair<string, string>(f.Name, f.Values[document.Labels![i]]))],
                [.. fields.Select((f, i) => new KeyValuePair<string, string>(f.Name, values?[i] ?? OutputContract.InvalidOutput))],
                Encoding.UTF8.GetString(written),
                outcome,
                cut));
            run.Progress?.Report(new EvaluationProgress(segment.DocumentsRead, Math.Max(total, segment.DocumentsRead)));
        }

        var summary = new InputSummary
        {
            DocumentsRead = segment.LinesSinceStart,
            DocumentsEvaluated = evaluated,
            Skipped = SkipTally.Sum(segment.SkippedSinceStart(), inference.Snapshot()),
        };
        EngineTelemetry.DocumentsEvaluated.Add(evaluated);
        return GenerativeResults.Build(job.Spec.Task, fields, counts, outputs, truncated, session.Decoding, summary);
    }
}
