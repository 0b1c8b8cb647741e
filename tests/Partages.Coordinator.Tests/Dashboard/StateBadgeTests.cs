using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf.Reflection;
using Partages.Coordinator.Dashboard;
using Partages.Coordinator.Dashboard.Pages;

namespace Partages.Coordinator.Tests.Dashboard;

/// <summary>
/// One run-state enumeration (Scheduling/States): the stored enum, the protobuf enum, the wire names, the server's
/// badges and the dashboard script's table cannot drift apart.
/// </summary>
public sealed partial class StateBadgeTests
{
    [Test]
    public void States_EveryRunStatus_NamedLikeItsProtobufValue()
    {
        foreach (var state in States.Runs.All)
        {
            ProtoName(state.Wire).Should().Be("RUN_STATE_" + state.Name.ToUpperInvariant(), $"{state.Status} is '{state.Name}' on the wire");
        }

        States.Runs.All.Select(s => s.Status).Should().BeEquivalentTo(Enum.GetValues<RunStatus>());
        States.Runs.All.Select(s => s.Wire).Should().OnlyHaveUniqueItems();
    }

    [Test]
    public void States_EveryEvaluationStatus_NamedLikeItsProtobufValue()
    {
        foreach (var state in States.Evaluations.All)
        {
            ProtoName(state.Wire).Should().Be("EVALUATION_STATE_" + state.Name.ToUpperInvariant());
        }

        States.Evaluations.All.Select(s => s.Status).Should().BeEquivalentTo(Enum.GetValues<EvaluationStatus>());
    }

    [Test]
    public void Serve_DashboardScript_CarriesTheServersStateTable()
    {
        var script = Encoding.UTF8.GetString(Served("dashboard.js"));

        var table = ScriptTable().Match(script);
        table.Success.Should().BeTrue("dashboard.js declares its STATES from the server's table");
        var states = JsonSerializer.Deserialize<Dictionary<string, string[]>>(table.Groups["json"].Value)!;
        states.Should().BeEquivalentTo(StateBadge.Table.ToDictionary(s => s.Key, s => new[] { s.Value.Label, s.Value.Symbol, s.Value.Tone }));
        foreach (var run in States.Runs.All)
        {
            states[run.Name].Should().Equal(run.Label, run.Symbol, run.Tone);
        }
    }

    [Test]
    public void IntoScript_ScriptWithoutItsMarker_Throws()
    {
        var copy = () => StateBadge.IntoScript("dashboard.js", Encoding.UTF8.GetBytes("var STATES = { queued: [\"Queued\", \"…\", \"waiting\"] };"));

        copy.Should().Throw<InvalidDataException>();
        StateBadge.IntoScript("dashboard.css", [1, 2]).Should().Equal(1, 2);
    }

    [TestCase("awaiting_approval", "Awaiting approval")]
    [TestCase("not_participating", "Not participating")]
    [TestCase("online", "Online")]
    [TestCase("something_new", "something_new")]
    public void Label_State_WordsOfTheTable(string state, string expected)
    {
        StateBadge.Label(state).Should().Be(expected);
    }

    private static string ProtoName<TWire>(TWire value)
        where TWire : struct, Enum =>
        typeof(TWire).GetField(value.ToString())!.GetCustomAttribute<OriginalNameAttribute>()!.Name;

    private static byte[] Served(string name)
    {
        var assets = new DashboardAssets();
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        var result = assets.Serve(name, context);
        return result.Should().BeOfType<Microsoft.AspNetCore.Http.HttpResults.FileContentHttpResult>().Subject.FileContents.ToArray();
    }

    [GeneratedRegex(@"var STATES = (?<json>\{.*?\});", RegexOptions.Singleline)]
    private static partial Regex ScriptTable();
}
