using Partages.SecureAggregation.Ring;

namespace Partages.SecureAggregation.Tests.Ring;

public sealed class RingVectorTests
{
    [Test]
    public void EncodeDecode_SignedCounts_RoundTrip()
    {
        long[] counts = [0, 1, -1, 42, -12345, RingVector.DefaultDecodeBound, -RingVector.DefaultDecodeBound];

        RingVector.Decode(RingVector.Encode(counts)).Should().Equal(counts);
    }

    [Test]
    public void AddInPlace_NegativeAndPositive_WrapsModuloTwoToThe64()
    {
        var target = RingVector.Encode([-5, long.MaxValue]);

        RingVector.AddInPlace(target, RingVector.Encode([7, 1]));

        target[0].Should().Be(2UL);
        target[1].Should().Be(1UL << 63);
    }

    [Test]
    public void SubtractInPlace_AfterAdd_RestoresOriginal()
    {
        var random = new Random(7);
        var original = Enumerable.Range(0, 100).Select(_ => (ulong)random.NextInt64()).ToArray();
        var mask = Enumerable.Range(0, 100).Select(_ => (ulong)random.NextInt64() * 3).ToArray();
        var target = (ulong[])original.Clone();

        RingVector.AddInPlace(target, mask);
        RingVector.SubtractInPlace(target, mask);

        target.Should().Equal(original);
    }

    [Test]
    public void Decode_ElementBeyondBound_RefusedNamingCoordinate()
    {
        var act = () => RingVector.Decode([3UL, 1UL << 63], bound: 1000);

        act.Should().Throw<SecureAggregationException>()
            .Where(e => e.Code == RefusalCode.SumOutOfRange)
            .WithMessage("Coordinate 1*");
    }

    [Test]
    public void AddInPlace_DifferentLengths_Throws()
    {
        var act = () => RingVector.AddInPlace(new ulong[3], new ulong[4]);

        act.Should().Throw<ArgumentException>().WithMessage("*3 and 4*");
    }
}
