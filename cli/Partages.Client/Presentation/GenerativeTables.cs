using System.Globalization;
using Partages.Evaluation.Results;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Spectre.Console;

namespace Partages.Client.Presentation;

/// <summary>
/// A generative extraction's own tables (docs/generative.md): each field's accuracy and macro F1 per site and pooled,
/// the pooled per-value figures of each field, and the outputs by kind with the invalid-output rate and its interval.
/// </summary>
public static class GenerativeTables
{
    public static void Write(IAnsiConsole console, PooledResultDocument result)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(result);
        if (result.Pooled?.Generative is not { } pooled)
        {
            return;
        }

        var sites = result.PerSite.Where(s => s.Value.Generative is not null).Select(s => (Name: TerminalMarkup.Escape(s.Key), s.Value.Generative!)).Append(("[bold]pooled[/]", pooled)).ToList();
        var fields = new Table().Title("Per field: accuracy [[95% CI]] (an invalid output counts wrong)").AddColumn("site");
        foreach (var field in pooled.Fields)
        {
            fields.AddColumn(new TableColumn(TerminalMarkup.Escape(field.Name)).RightAligned());
        }

        fields.AddColumns(new TableColumn("reports").RightAligned(), new TableColumn("invalid rate [[95% CI]]").RightAligned(), new TableColumn("truncated").RightAligned());
        foreach (var (name, section) in sites)
        {
            fields.AddRow([
                name,
                .. section.Fields.Select(f => Accuracy(f.Result)),
                section.Generations.ToString(CultureInfo.InvariantCulture),
                Rate(section),
                section.Truncated.ToString(CultureInfo.InvariantCulture),
            ]);
        }

        console.Write(fields);
        foreach (var field in pooled.Fields)
        {
            var values = new Table().Title($"Pooled, field {TerminalMarkup.Escape(field.Name)}").AddColumns("value", "support", "precision", "recall", "F1");
            foreach (var (value, metrics) in field.Result.PerClass.Where(c => c.Key != OutputContract.InvalidOutput))
            {
                values.AddRow(TerminalMarkup.Escape(value), metrics.Support.ToString(CultureInfo.InvariantCulture), F(metrics.Precision), F(metrics.Recall), F(metrics.F1));
            }

            console.Write(values);
        }

        var kinds = string.Join(", ", pooled.Outputs.Select(o => $"{o.Key} {o.Value.ToString(CultureInfo.InvariantCulture)}"));
        console.MarkupLine(TerminalMarkup.Escape($"Outputs by kind (pooled): {kinds}. Decoding: {pooled.Decoding.Strategy}, at most {pooled.Decoding.MaxNewTokens} new tokens, constraint {pooled.Decoding.Constraint}."));
    }

    /// <summary>
    /// The field's accuracy with its interval. Macro averages are not shown: <c>invalid_output</c> never has a gold
    /// report, so its recall, and with it any macro figure, is not estimable.
    /// </summary>
    private static string Accuracy(ResultDocument field) =>
        field.Intervals?.Accuracy is { } ci ? $"{F(field.Accuracy)} [[{F(ci.CiLow)}, {F(ci.CiHigh)}]]" : F(field.Accuracy);

    private static string Rate(GenerativeSection section) =>
        section.InvalidRate is not { } rate ? "not estimable"
            : section.InvalidRateInterval is { } ci ? $"{F(rate)} [[{F(ci.CiLow)}, {F(ci.CiHigh)}]]" : F(rate);

    private static string F(double? value) => ReleaseNotes.Figure(value);
}
