using System.CommandLine;
using Partages.ModelKit.Cli;

var root = new RootCommand("Partages model kit: fictional clinical corpora and a deterministic ONNX model bundle for the demo.")
{
    BuildCommand.Create(),
    SentencePieceCommand.Create(),
    GenerativeCommand.Create(),
    GenerativeBundleCommand.Create(),
    McqBundleCommand.Create(),
    SigningCommands.CreateKeygen(),
    SigningCommands.CreateSign(),
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
