using System.Numerics;

namespace Partages.Evaluation.Tests.Privacy;

public class RandomBitsTests
{
    [Test]
    public void SeededRandomBits_StateOneTwoThreeFour_MatchesReferenceXoshiro256StarStar()
    {
        // State {1, 2, 3, 4} by hand with the reference code: out = rotl(s1·5, 7)·9.
        // 1st: s1 = 2 → rotl(10, 7) = 1280 → 11520. The update leaves s1 = 2 ^ (3 ^ 1) = 0 → 2nd output 0.
        // Then s1 = 262149 (0 ^ 262146 ^ 7) → rotl(1310745, 7) = 167775360 → ×9 = 1509978240.
        var seed = new byte[32];
        for (var i = 0; i < 4; i++)
        {
            seed[8 * i] = (byte)(i + 1);
        }

        var bits = new SeededRandomBits(seed);

        new[] { bits.NextUInt64(), bits.NextUInt64(), bits.NextUInt64() }.Should().Equal(11520UL, 0UL, 1509978240UL);
    }

    [Test]
    public void SeededRandomBits_SameSeed_SameWords()
    {
        var a = new SeededRandomBits(7);
        var b = new SeededRandomBits(7);
        var c = new SeededRandomBits(8);

        var first = Enumerable.Range(0, 100).Select(_ => a.NextUInt64()).ToArray();
        first.Should().Equal(Enumerable.Range(0, 100).Select(_ => b.NextUInt64()));
        first.Should().NotIntersectWith(Enumerable.Range(0, 100).Select(_ => c.NextUInt64()));
    }

    [Test]
    public void SeededRandomBits_AllZeroSeed_Throws()
    {
        var act = () => new SeededRandomBits(new byte[32]);

        act.Should().Throw<ArgumentException>().WithMessage("*all-zero*");
    }

    [Test]
    public void CryptoRandomBits_ManyWords_AreDistinctAndBalanced()
    {
        var bits = new CryptoRandomBits();

        var words = Enumerable.Range(0, 4096).Select(_ => bits.NextUInt64()).ToArray();

        words.Distinct().Should().HaveCount(words.Length, "64-bit collisions among 4096 words have probability ~5e-13");
        // 262144 bits: the number of ones is Binomial(262144, ½), sd 256; 6 sd is a bound no honest source crosses.
        var ones = words.Sum(w => (long)BitOperations.PopCount(w));
        ones.Should().BeInRange(131072 - 6 * 256, 131072 + 6 * 256);
    }
}
