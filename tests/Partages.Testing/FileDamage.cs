namespace Partages.Testing;

/// <summary>Damage done to a file on disk behind its owner's back (a bad sector, a tampering hand), for integrity checks to catch.</summary>
public static class FileDamage
{
    /// <summary>XORs the byte at <paramref name="offset"/> with <paramref name="mask"/>, in place.</summary>
    public static void FlipBits(string path, long offset, byte mask)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ mask));
    }
}
