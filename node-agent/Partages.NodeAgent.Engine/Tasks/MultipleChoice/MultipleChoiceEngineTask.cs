using System.Globalization;
using System.Text;
using Partages.Evaluation.Tasks.MultipleChoice;
using Partages.NodeAgent.Engine.Generation;
using Partages.NodeAgent.Engine.Tasks.GenerativeExtraction;
using Partages.NodeAgent.Engine.Telemetry;

namespace Partages.NodeAgent.Engine.Tasks.MultipleChoice;

/// <summary>
/// Runs a <c>multiple_choice_qa</c> job: opens the generative bundle (<see cref="GenerativeSession"/>, the same checks
/// as generative extraction), then for each question fills the prompt template with its question, options and
/// context, generates greedily through ONNX Runtime GenAI with the answer held by GenAI's guidance to a JSON list of
/// the letters it offers (<see cref="AnswerGrammar"/>, checked by <see cref="AnswerContract"/>), reads the letters and counts the question's
/// Hamming score and outcome (<see cref="MultipleChoiceCounts"/>). An answer cut by a budget or the context, or that
/// does not parse, is counted invalid of that kind and scores 0; a question ONNX Runtime fails on is skipped as
/// <c>inference_failed</c>. Nothing per question leaves, except to local mode's predictions file.
/// </summary>
internal sealed class MultipleChoiceEngineTask : EngineTask
{
    public override string Name => MultipleChoiceTask.TaskName;

    public override Task<ResultDocument> RunAsync(EngineRun run) => Task.FromResult(Run(run));

    private static ResultDocument Run(EngineRun run)
    {
        var job = run.Job;
        using var session = GenerativeSession.Open(run);
        if (!session.Bundle.Manifest.Labels.SequenceEqual(job.Spec.Labels, StringComparer.Ordinal))
        {
            throw new EvaluationRefusedException(
                $"the spec's labels [{string.Join(", ", job.Spec.Labels)}] are not the bundle's option letters [{string.Join(", ", session.Bundle.Manifest.Labels)}]");
        }

        if (MultipleChoiceTask.LabelProblems(job.Spec.Labels) is { Count: > 0 } problems)
        {
            throw new EvaluationRefusedException(string.Join("; ", problems));
        }

        // Every question's grammar is a sub-language of this one: checked once, before any question.
        session.Guidance(new AnswerContract(job.Spec.Labels), AnswerGrammar.Of(job.Spec.Labels), checkEnforceable: true);
        return Evaluate(run, session);
    }

    private static ResultDocument Evaluate(EngineRun run, GenerativeSession session)
    {
        var job = run.Job;
        var letters = job.Spec.Labels;
        var counts = new MultipleChoiceCounts(letters.Count);
        var prompts = session.Prompts();
        var tokenizer = session.Tokenizer;
        var inference = new SkipTally();
        long evaluated = 0;
        var prefix = Encoding.UTF8.GetBytes(session.Settings.OutputPrefix);
        var total = DatasetScanner.Scan(job.Dataset, run.Options.MaxLineBytes, fingerprint: false, run.CancellationToken).Documents;
        using var stream = DatasetFile.OpenRead(job.Dataset);
        var reader = new QuestionReader(stream, letters, run.Options.MaxLineBytes);
        var segment = new SegmentReader(reader, run.Plan);
        while (segment.TryRead(out var document, out var ordinal))
        {
            run.CancellationToken.ThrowIfCancellationRequested();
            var question = reader.Current!;
            var (prompt, cut) = prompts.Build(question.Context, context => QuestionPrompt.Fill(session.Template, question.Question, question.Options, context));
            var contract = new AnswerContract(question.Options.Select(o => o.Key));
            GenerationResult generation;
            try
            {
                generation = session.Generate(prompt, session.Guidance(contract, AnswerGrammar.Of(question.Options.Select(o => o.Key)), checkEnforceable: false), run.CancellationToken);
            }
            catch (InvalidOperationException)
            {
                inference.Add(SkipKinds.InferenceFailed);
                continue;
            }

            evaluated++;
            var written = tokenizer.Bytes(generation.Tokens);
            var (chosen, invalid) = contract.Parse([.. prefix, .. written]);
            var outcome = chosen is not null ? MultipleChoiceSection.Valid : GenerativeSession.KindOf(generation.Outcome) ?? invalid!;
            counts.Add(question.Gold, chosen, outcome, cut);
            run.Predictions?.Write(new GenerationPrediction(
                document.Id ?? (ordinal + 1).ToString(CultureInfo.InvariantCulture),
                [new("answers", string.Join(",", question.Gold))],
                [new("answers", chosen is null ? AnswerInvalid : string.Join(",", chosen))],
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
        return MultipleChoiceResults.Build(job.Spec.Task, counts.Bins, counts.Histogram, counts.Outputs, counts.Truncated, session.Decoding, summary, release: null);
    }

    /// <summary>What local mode's predictions file shows for an answer that did not parse (its outcome says why).</summary>
    private const string AnswerInvalid = "invalid_output";
}
