// What nearly every engine test reads: the core library's contracts, the engine's datasets, the test infrastructure and its keyword model.
global using System.Text;
global using Partages.Evaluation.Bundles;
global using Partages.Evaluation.Metrics;
global using Partages.Evaluation.Results;
global using Partages.Evaluation.Specs;
global using Partages.NodeAgent.Engine.Datasets;
global using Partages.NodeAgent.Engine.Tests.Infrastructure;
global using static Partages.NodeAgent.Engine.Tests.Infrastructure.AmrTestModel;
