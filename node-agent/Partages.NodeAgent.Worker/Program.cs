// Partages inference worker: runs ONE evaluation for the node agent in its own process, so that a model which
// exhausts memory, hangs or crashes natively fails its run and never the agent. The agent starts it as
// `dotnet Partages.NodeAgent.Worker.dll` under its limits (Partages.NodeAgent/Isolation/). The parts:
//   Protocol/     the request on stdin, the JSON lines on stdout, the exit codes (shared with the agent)
//   WorkerRun     read the request, run the engine, write the outcome
//   AgentWatch    exit as soon as the agent goes away (its end of stdin closes)
//   MessageWriter one JSON line at a time on stdout
using Partages.NodeAgent.Worker;

return await WorkerRun.RunAsync(Console.OpenStandardInput(), Console.OpenStandardOutput(), Console.Error).ConfigureAwait(false);
