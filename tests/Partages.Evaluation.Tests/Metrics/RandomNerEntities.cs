namespace Partages.Evaluation.Tests.Metrics;

/// <summary>Random non-overlapping entities over a document of <c>length</c> tokens, for the property tests that compare two ways of counting.</summary>
internal static class RandomNerEntities
{
    public static NerEntity[] Draw(Random random, int types, int length)
    {
        var entities = new List<NerEntity>();
        var position = 0;
        while (true)
        {
            position += random.Next(0, 6);
            var width = 1 + random.Next(6);
            if (position + width > length)
            {
                return [.. entities];
            }

            entities.Add(new NerEntity(position, position + width, random.Next(types)));
            position += width;
        }
    }
}
