using System.Text;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.NodeAgent.Engine.Datasets;
using Partages.NodeAgent.Engine.LocalMode;

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
        var prompts = session.Prompts();
        var fields = contract.Fields;
        var counts = fields.Select(f => new ClassificationCounts(OutputContract.MatrixLabels(f))).ToList();
        var outputs = new Dictionary<string, long>(StringComparer.Ordinal);
        long truncated = 0;
        using var stream = DatasetFile.OpenRead(run.Job.Dataset);
        var summary = session.GenerateEach(run, new FieldsDocumentReader(stream, fields, run.Options.MaxLineBytes), document =>
        {
            var (prompt, cut) = prompts.Build(document.Text);
            return (prompt, cut, guidance);
        }, generated =>
        {
            var document = generated.Document;
            truncated += generated.Truncated ? 1 : 0;
            var (values, invalid) = contract.Parse(generated.Output);
            var outcome = values is not null ? GenerativeSection.Valid : GenerativeSession.KindOf(generated.Outcome) ?? invalid!;
            outputs[outcome] = outputs.GetValueOrDefault(outcome) + 1;
            for (var f = 0; f < fields.Count; f++)
            {
                var predicted = values is null ? fields[f].Values.Count : fields[f].Values.ToList().IndexOf(values[f]);
                counts[f].Add(document.Labels![f], predicted);
            }

            run.Predictions?.Write(new GenerationPrediction(
                generated.Id,
                [.. fields.Select((f, i) => new KeyValuePair<string, string>(f.Name, f.Values[document.Labels![i]]))],
                [.. fields.Select((f, i) => new KeyValuePair<string, string>(f.Name, values?[i] ?? OutputContract.InvalidOutput))],
                Encoding.UTF8.GetString(generated.Written),
                outcome,
                generated.Truncated));
        });
        return GenerativeResults.Build(run.Job.Spec.Task, fields, counts, outputs, truncated, session.Decoding, summary);
    }
}
