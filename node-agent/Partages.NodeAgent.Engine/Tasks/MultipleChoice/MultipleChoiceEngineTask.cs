using System.Text;
using Partages.Evaluation.Tasks.MultipleChoice;
using Partages.NodeAgent.Engine.Tasks.GenerativeExtraction;

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
        var counts = new MultipleChoiceCounts(job.Spec.Labels.Count);
        var prompts = session.Prompts();
        using var stream = DatasetFile.OpenRead(job.Dataset);
        var reader = new QuestionReader(stream, job.Spec.Labels, run.Options.MaxLineBytes);
        // The question being generated: prepared, then counted, before the reader moves on.
        McqQuestion question = null!;
        AnswerContract contract = null!;
        var summary = session.GenerateEach(run, reader, _ =>
        {
            question = reader.Current!;
            var (prompt, cut) = prompts.Build(question.Context, context => QuestionPrompt.Fill(session.Template, question.Question, question.Options, context));
            contract = new AnswerContract(question.Options.Select(o => o.Key));
            return (prompt, cut, session.Guidance(contract, AnswerGrammar.Of(question.Options.Select(o => o.Key)), checkEnforceable: false));
        }, generated =>
        {
            var (chosen, invalid) = contract.Parse(generated.Output);
            var outcome = chosen is not null ? MultipleChoiceSection.Valid : GenerativeSession.KindOf(generated.Outcome) ?? invalid!;
            counts.Add(question.Gold, chosen, outcome, generated.Truncated);
            run.Predictions?.Write(new GenerationPrediction(
                generated.Id,
                [new("answers", string.Join(",", question.Gold))],
                [new("answers", chosen is null ? AnswerInvalid : string.Join(",", chosen))],
                Encoding.UTF8.GetString(generated.Written),
                outcome,
                generated.Truncated));
        });
        return MultipleChoiceResults.Build(job.Spec.Task, counts.Bins, counts.Histogram, counts.Outputs, counts.Truncated, session.Decoding, summary, release: null);
    }

    /// <summary>What local mode's predictions file shows for an answer that did not parse (its outcome says why).</summary>
    private const string AnswerInvalid = "invalid_output";
}
