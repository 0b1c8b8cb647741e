// Partages node agent. The parts, each in its folder:
//   Configuration/  node.yaml: model, loader (every error with its line), runtime options
//   Enrollment/     key + CSR, CA-pinned Enroll call, identity files
//   Connectivity/   the mTLS channel (saved CA as the only root), reconnect back-off
//   Session/        the Session stream: hello, heartbeats, offers, outbox, reconnect
//   Jobs/           accept or reject, download, evaluate, progress, cancel
//   Artifacts/      resumable, chunk-verified downloads
//   ReleaseGate/    the only way a result leaves the node
//   Health/         the status file (written by the session) and the probe that reads it
//   Hosting/        service registration and the generic host
//   Cli/            enroll, run, check, health
using Partages.NodeAgent.Cli;

return await NodeAgentCli.InvokeAsync(args).ConfigureAwait(false);
