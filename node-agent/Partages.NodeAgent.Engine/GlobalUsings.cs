// The namespaces nearly every part of the engine reads: the core library's contracts and the engine's own stages.
global using Partages.Evaluation.Bundles;
global using Partages.Evaluation.Metrics;
global using Partages.Evaluation.Results;
global using Partages.NodeAgent.Engine.Datasets;
global using Partages.NodeAgent.Engine.Inference;
global using Partages.NodeAgent.Engine.LocalMode;
global using Partages.NodeAgent.Engine.Resilience;
global using Partages.NodeAgent.Engine.Scoring;
global using Partages.NodeAgent.Engine.Tokenization;
