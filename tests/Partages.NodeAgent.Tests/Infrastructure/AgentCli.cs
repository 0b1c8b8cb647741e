namespace Partages.NodeAgent.Tests.Infrastructure;

/// <summary>The agent's command line run in-process, as an operator would type it: its exit code and what it printed.</summary>
public static class AgentCli
{
    public static async Task<(int Code, string Output, string Error)> InvokeAsync(string[] args, TimeProvider? timeProvider = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await NodeAgentCli.InvokeAsync(args, output, error, timeProvider);
        return (code, output.ToString(), error.ToString());
    }
}
