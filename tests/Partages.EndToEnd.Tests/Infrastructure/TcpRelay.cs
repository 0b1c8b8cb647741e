using System.Net;
using System.Net.Sockets;

namespace Partages.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A plain TCP relay between a node agent and the coordinator, for network faults with real processes: it forwards
/// bytes both ways (TLS passes through untouched, so the node still checks the coordinator's certificate) and counts
/// what flows coordinator→node. Armed with <see cref="CutAfterDownstreamBytes"/>, it forwards exactly that many bytes,
/// then cuts every connection and refuses new ones until <see cref="Restore"/>: a network cut at a known point.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private const int BufferBytes = 16 * 1024;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<Connection> _connections = [];
    private readonly TaskCompletionSource<long> _cut = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _accepting;
    private long _downstreamSinceArmed;
    private long? _cutAfter;
    private bool _refusing;

    public TcpRelay(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Url = new Uri($"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync(_stop.Token);
    }

    /// <summary>Where the node should dial: the server certificate's SANs include 127.0.0.1, so TLS holds through the relay.</summary>
    public Uri Url { get; }

    /// <summary>Completes, with the bytes forwarded coordinator→node since arming, once the cut happened.</summary>
    public Task<long> Cut => _cut.Task;

    /// <summary>Connections refused while cut: the node's attempts to come back.</summary>
    public int Refused { get; private set; }

    /// <summary>From now, forward <paramref name="bytes"/> more bytes coordinator→node, then cut everything and refuse.</summary>
    public void CutAfterDownstreamBytes(long bytes)
    {
        lock (_gate)
        {
            _downstreamSinceArmed = 0;
            _cutAfter = bytes;
        }
    }

    /// <summary>Accepts and forwards connections again.</summary>
    public void Restore()
    {
        lock (_gate)
        {
            _refusing = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        lock (_gate)
        {
            foreach (var connection in _connections)
            {
                connection.Close();
            }

            _connections.Clear();
        }

        try
        {
            await _accepting.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping the listener ends the accept loop this way.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
            bool refuse;
            lock (_gate)
            {
                refuse = _refusing;
                Refused += refuse ? 1 : 0;
            }

            if (refuse)
            {
                // A reset, as a dropped route or a firewall rejecting the connection would give.
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            _ = RelayAsync(client, cancellationToken);
        }
    }

    private async Task RelayAsync(TcpClient client, CancellationToken cancellationToken)
    {
        var server = new TcpClient();
        try
        {
            await server.ConnectAsync(_target, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            server.Dispose();
            client.Dispose();
            return;
        }

        var connection = new Connection(client, server);
        lock (_gate)
        {
            _connections.Add(connection);
        }

        try
        {
            await Task.WhenAll(
                PumpAsync(connection, client.GetStream(), server.GetStream(), downstream: false, cancellationToken),
                PumpAsync(connection, server.GetStream(), client.GetStream(), downstream: true, cancellationToken)).ConfigureAwait(false);
        }
        finally
        {
            connection.Close();
            lock (_gate)
            {
                _connections.Remove(connection);
            }
        }
    }

    private async Task PumpAsync(Connection connection, NetworkStream from, NetworkStream to, bool downstream, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferBytes];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                var forward = read;
                var cutNow = false;
                if (downstream)
                {
                    lock (_gate)
                    {
                        if (_cutAfter is { } limit)
                        {
                            forward = (int)Math.Min(read, limit - _downstreamSinceArmed);
                            cutNow = _downstreamSinceArmed + forward >= limit;
                        }

                        _downstreamSinceArmed += forward;
                    }
                }

                if (connection.IsCut)
                {
                    // Cut: what the node still sends goes nowhere, until it closes its side.
                    continue;
                }

                await to.WriteAsync(buffer.AsMemory(0, forward), cancellationToken).ConfigureAwait(false);
                if (cutNow)
                {
                    CutEverything();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The other side went away, or the relay cut or stopped the connection.
        }
        finally
        {
            if (!downstream)
            {
                connection.Close();
            }
        }
    }

    private void CutEverything()
    {
        long forwarded;
        lock (_gate)
        {
            _refusing = true;
            _cutAfter = null;
            forwarded = _downstreamSinceArmed;
            foreach (var connection in _connections)
            {
                connection.CutOff();
            }
        }

        _cut.TrySetResult(forwarded);
    }

    /// <summary>One relayed connection: the node's socket and the coordinator's.</summary>
    private sealed class Connection(TcpClient client, TcpClient server)
    {
        private volatile bool _cut;

        public bool IsCut => _cut;

        /// <summary>
        /// The coordinator's side is closed at once; the node's gets an orderly end after what was already forwarded
        /// (its kernel keeps delivering those bytes), so the node sees the stream end mid-download, as in a real cut.
        /// </summary>
        public void CutOff()
        {
            _cut = true;
            server.Dispose();
            try
            {
                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already gone.
            }
        }

        public void Close()
        {
            client.Dispose();
            server.Dispose();
        }
    }
}
