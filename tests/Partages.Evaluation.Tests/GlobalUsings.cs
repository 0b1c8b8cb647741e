// The core library's parts nearly every test here reads.
global using Partages.Evaluation.Bundles;
global using Partages.Evaluation.Metrics;
global using Partages.Evaluation.Privacy;
global using Partages.Evaluation.Results;
global using Partages.Evaluation.Specs;
