using Partages.Gateway;

// Exit codes: 0 stopped, 1 could not start (port in use...), 2 invalid settings (each listed on stderr).
return await GatewayHost.RunAsync(args).ConfigureAwait(false);
