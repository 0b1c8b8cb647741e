namespace Partages.NodeAgent.Tests.Infrastructure;

/// <summary>An enrolled node's node.yaml and identity on disk, for running <c>check</c> as an operator would.</summary>
public static class CheckedNode
{
    /// <summary>Writes the identity (issued by <paramref name="pki"/>), a dataset and node.yaml; returns node.yaml's path.</summary>
    /// <param name="coordinatorLines">Extra lines under <c>coordinator:</c> (indented two spaces), e.g. a proxy.</param>
    public static string Write(TestDirectory directory, TestPki pki, Uri coordinator, string coordinatorLines = "")
    {
        pki.WriteIdentity(Path.Combine(directory.Combine("node-data"), "identity"), "chu-valmont");
        File.WriteAllText(directory.Combine("amr.jsonl"), "{\"id\": \"1\", \"text\": \"a\", \"label\": \"b\"}\n");
        var path = directory.Combine("node.yaml");
        File.WriteAllText(path, $"""
            name: chu-valmont
            coordinator:
              url: {coordinator.ToString().TrimEnd('/')}
            {coordinatorLines}
            data_directory: ./node-data
            datasets:
              - name: amr-reports
                path: ./amr.jsonl
                format: jsonl
            """);
        return path;
    }
}
