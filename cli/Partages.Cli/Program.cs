// Every command, its options and its exit codes are in Cli/PartagesCli.cs and docs/evaluator-cli.md.
return await PartagesCli.InvokeAsync(args, CliContext.ForProcess()).ConfigureAwait(false);
