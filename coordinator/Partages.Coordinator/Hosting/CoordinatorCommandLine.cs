using System.CommandLine;
using Microsoft.Extensions.Options;
using Partages.Coordinator.Admin;

namespace Partages.Coordinator.Hosting;

/// <summary>
/// <c>serve</c> (the default command) and <c>admin …</c>. Besides its own options, <c>serve</c> passes every other
/// argument to the configuration, so <c>--Coordinator:LeaseSeconds=5</c> works like <c>Coordinator__LeaseSeconds=5</c>.
/// Exit codes: 0 done, 1 failed, 2 invalid options.
/// </summary>
public static class CoordinatorCommandLine
{
    public static async Task<int> RunAsync(string[] args, InvocationConfiguration? invocation = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var root = Create();
        string[] effective = args.Length == 0 || (args[0].StartsWith('-') && args[0] is not ("-h" or "--help" or "-?" or "--version"))
            ? ["serve", .. args]
            : args;
        // The host handles SIGINT/SIGTERM itself (graceful shutdown); the parser must not race it.
        invocation ??= new InvocationConfiguration { ProcessTerminationTimeout = null };
        var parse = root.Parse(effective);
        var exitCode = await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        return parse.Errors.Count > 0 ? 2 : exitCode;
    }

    public static RootCommand Create()
    {
        var root = new RootCommand("Partages coordinator: federated validation of clinical NLP models.");
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(AdminCommands.Create());
        return root;
    }

    private static Command Serve()
    {
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "Data dir: coordinator.db, pki/, artifacts/ (created on first start). Also Coordinator:DataDir.",
            HelpName = "DIR",
        };
        var urls = new Option<string>("--urls")
        {
            Description = $"The HTTPS endpoint (default {CoordinatorOptions.DefaultUrls}; port 0 picks a free one). Also Coordinator:Urls.",
            HelpName = "URL",
        };
        var serve = new Command("serve", "Runs the coordinator (default command). Other settings: --Coordinator:<Name>=<value>, see docs/coordinator.md.")
        {
            dataDir, urls,
        };
        serve.TreatUnmatchedTokensAsErrors = false;
        serve.SetAction(async (parse, ct) =>
        {
            var hostArgs = new List<string>(parse.UnmatchedTokens);
            if (parse.GetValue(dataDir) is { Length: > 0 } dir)
            {
                hostArgs.Add($"--{CoordinatorOptions.SectionName}:{nameof(CoordinatorOptions.DataDir)}={dir}");
            }

            if (parse.GetValue(urls) is { Length: > 0 } url)
            {
                hostArgs.Add($"--{CoordinatorOptions.SectionName}:{nameof(CoordinatorOptions.Urls)}={url}");
            }

            WebApplication app;
            try
            {
                app = Program.BuildServer([.. hostArgs]);
            }
            catch (OptionsValidationException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("error: invalid settings:").ConfigureAwait(false);
                foreach (var failure in ex.Failures)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync("  " + failure).ConfigureAwait(false);
                }

                return 2;
            }
            catch (FormatException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("error: invalid arguments: " + ex.Message).ConfigureAwait(false);
                return 2;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The data dir is created (0700) while the server is built: one line, not a stack trace.
                await parse.InvocationConfiguration.Error.WriteLineAsync("error: the data dir cannot be used: " + ex.Message).ConfigureAwait(false);
                return 1;
            }

            await using (app.ConfigureAwait(false))
            {
                try
                {
                    await app.RunAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException or OptionsValidationException)
                {
                    // Port in use, localhost with port 0, unreadable data dir...: say so plainly, without a stack trace.
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"error: the coordinator could not start: {ex.Message}").ConfigureAwait(false);
                    return 1;
                }
            }

            return 0;
        });
        return serve;
    }
}
