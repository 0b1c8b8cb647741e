namespace Partages.NodeAgent.Engine.Tests.Infrastructure;

/// <summary>What the dataset reader tests compare: every document a reader yields, in order.</summary>
internal static class DocumentReading
{
    public static List<LabeledDocument> ReadAll(IDocumentReader reader)
    {
        var documents = new List<LabeledDocument>();
        while (reader.TryRead(out var document))
        {
            // Ids are checked by their own tests; the rest compare the gold annotation and the text.
            documents.Add(document with { Id = null });
        }

        return documents;
    }
}
