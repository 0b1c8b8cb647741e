using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>
/// Ids of documents already accepted in a run, as the first 128 bits of HMAC-SHA256 under a key drawn for this run:
/// the set stays small, holds no identifier in clear, and a guessable id cannot be confirmed from a memory dump.
/// </summary>
internal sealed class SeenIds
{
    private readonly HashSet<UInt128> _seen = [];
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    /// <returns>False when the id was already added.</returns>
    public bool Add(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var maxBytes = Encoding.UTF8.GetMaxByteCount(id.Length);
        var rented = ArrayPool<byte>.Shared.Rent(maxBytes);
        try
        {
            var length = Encoding.UTF8.GetBytes(id, rented);
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(_key, rented.AsSpan(0, length), mac);
            return _seen.Add(MemoryMarshal.Read<UInt128>(mac));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
    }
}
