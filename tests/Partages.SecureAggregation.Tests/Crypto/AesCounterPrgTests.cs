using System.Buffers.Binary;
using System.Security.Cryptography;
using Partages.SecureAggregation.Crypto;

namespace Partages.SecureAggregation.Tests.Crypto;

public sealed class AesCounterPrgTests
{
    private const string InitialCounter = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

    private const string Plaintext =
        "6bc1bee22e409f96e93d7e117393172a" + "ae2d8a571e03ac9c9eb76fac45af8e51" +
        "30c81c46a35ce411e5fbc1191a0a52ef" + "f69f2445df4f9b17ad2b417be66c3710";

    // NIST SP 800-38A, F.5.1 (CTR-AES128.Encrypt) and F.5.5 (CTR-AES256.Encrypt).
    [TestCase(
        "2b7e151628aed2a6abf7158809cf4f3c",
        "874d6191b620e3261bef6864990db6ce" + "9806f66b7970fdff8617187bb9fffdff" +
        "5ae4df3edbd5d35e5b4f09020db03eab" + "1e031dda2fbe03d1792170a0f3009cee")]
    [TestCase(
        "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        "601ec313775789a5b7a7f504bbf3d228" + "f443e3ca4d62b59aca84e990cacaf5c5" +
        "2b0930daa23de94ce87017ba2d84988d" + "dfc9c58db67aada613c2dd08457941a6")]
    public void Keystream_NistSp80038aVectors_EncryptsPlaintextToCiphertext(string key, string ciphertext)
    {
        var plaintext = Convert.FromHexString(Plaintext);
        var keystream = new byte[plaintext.Length];

        AesCounterPrg.Keystream(Convert.FromHexString(key), Convert.FromHexString(InitialCounter), keystream);

        var encrypted = plaintext.Zip(keystream, (p, k) => (byte)(p ^ k)).ToArray();
        Convert.ToHexStringLower(encrypted).Should().Be(ciphertext);
    }

    [Test]
    public void Keystream_PartialLastBlock_IsPrefixOfFullKeystream()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var full = new byte[64];
        var partial = new byte[37];

        AesCounterPrg.Keystream(key, new byte[16], full);
        AesCounterPrg.Keystream(key, new byte[16], partial);

        partial.Should().Equal(full.Take(37));
    }

    [Test]
    public void Expand_RandomSeed_MatchesAesOfCounterBlocksComputedIndependently()
    {
        var seed = RandomNumberGenerator.GetBytes(32);
        // Reference: each counter block encrypted alone through CBC with a zero IV, which for one block is E_K(block).
        using var aes = Aes.Create();
        aes.Key = seed;
        var expected = new List<ulong>();
        for (var block = 0; block < 5000; block++)
        {
            var counter = new byte[16];
            BinaryPrimitives.WriteInt32BigEndian(counter.AsSpan(12), block);
            var encrypted = aes.EncryptCbc(counter, new byte[16], PaddingMode.None);
            expected.Add(BinaryPrimitives.ReadUInt64LittleEndian(encrypted.AsSpan(0, 8)));
            expected.Add(BinaryPrimitives.ReadUInt64LittleEndian(encrypted.AsSpan(8, 8)));
        }

        var expanded = AesCounterPrg.Expand(seed, 9999);

        expanded.Should().Equal(expected.Take(9999));
    }

    [Test]
    public void Expand_DifferentSeeds_GiveDifferentMasks()
    {
        var a = AesCounterPrg.Expand(RandomNumberGenerator.GetBytes(32), 16);
        var b = AesCounterPrg.Expand(RandomNumberGenerator.GetBytes(32), 16);

        a.Should().NotEqual(b);
    }

    [Test]
    public void Expand_SeedOfWrongLength_Throws()
    {
        var act = () => AesCounterPrg.Expand(new byte[16], 4);

        act.Should().Throw<ArgumentException>().WithMessage("*32 bytes*");
    }
}
