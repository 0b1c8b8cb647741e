using System.Buffers.Binary;
using System.Text;

namespace Partages.SecureAggregation.Crypto;

/// <summary>
/// Unambiguous byte encoding of what is signed or fed to HKDF: every field is length-prefixed, so no two different
/// field lists encode to the same bytes (no "ab"+"c" == "a"+"bc" confusion between a node id and a key).
/// </summary>
internal sealed class Transcript
{
    private readonly MemoryStream _buffer = new();

    public Transcript(string label) => Add(label);

    public Transcript Add(string value) => Add(Encoding.UTF8.GetBytes(value));

    public Transcript Add(long value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return Add(bytes);
    }

    public Transcript Add(ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
        _buffer.Write(length);
        _buffer.Write(value);
        return this;
    }

    public Transcript AddAll(IEnumerable<string> values)
    {
        var list = values.ToList();
        Add(list.Count);
        foreach (var value in list)
        {
            Add(value);
        }
        return this;
    }

    public byte[] ToArray() => _buffer.ToArray();
}
