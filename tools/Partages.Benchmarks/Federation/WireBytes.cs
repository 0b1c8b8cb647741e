using System.Net.Sockets;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Google.Protobuf;

namespace Partages.Benchmarks.Federation;

/// <summary>Bytes one node sent and received.</summary>
internal readonly record struct ByteCount(long Sent, long Received)
{
    public static ByteCount operator -(ByteCount after, ByteCount before) => new(after.Sent - before.Sent, after.Received - before.Received);
}

/// <summary>
/// The bytes a simulated node's TCP connection carries, counted under TLS (what <see cref="SocketsHttpHandler"/>
/// writes to and reads from the socket: TLS records holding HTTP/2 frames, headers and gRPC messages; TCP/IP headers
/// are not counted). Installed as the handler's <see cref="SocketsHttpHandler.ConnectCallback"/>.
/// </summary>
internal sealed class WireCounter
{
    private long _sent;
    private long _received;

    public ByteCount Read() => new(Interlocked.Read(ref _sent), Interlocked.Read(ref _received));

    /// <summary>Connects as the handler would (TCP, no delay) and hands it a stream that counts every byte.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            return new CountingStream(new NetworkStream(socket, ownsSocket: true), this);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class CountingStream(Stream inner, WireCounter counter) : Stream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => Received(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Received(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Received(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Interlocked.Add(ref counter._sent, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Interlocked.Add(ref counter._sent, buffer.Length);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref counter._sent, buffer.Length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override ValueTask DisposeAsync() => inner.DisposeAsync();

        private int Received(int read)
        {
            Interlocked.Add(ref counter._received, read);
            return read;
        }
    }
}

/// <summary>
/// The gRPC messages of the calls it intercepts, counted as they are framed: the serialized protobuf plus the 5-byte
/// length prefix of each message (no HTTP/2 framing, headers or TLS: <see cref="WireCounter"/> has those).
/// </summary>
internal sealed class MessageByteCounter : Interceptor
{
    private const int GrpcPrefixBytes = 5;
    private long _sent;
    private long _received;

    public ByteCount Read() => new(Interlocked.Read(ref _sent), Interlocked.Read(ref _received));

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Interlocked.Add(ref _sent, Size(request));
        var call = continuation(request, context);
        return new AsyncUnaryCall<TResponse>(Counted(call.ResponseAsync), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    private async Task<TResponse> Counted<TResponse>(Task<TResponse> response)
    {
        var message = await response.ConfigureAwait(false);
        Interlocked.Add(ref _received, Size(message));
        return message;
    }

    private static long Size(object? message) =>
        message is IMessage protobuf ? protobuf.CalculateSize() + GrpcPrefixBytes : 0;
}
