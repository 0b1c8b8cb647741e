using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Partages.Testing.Network;

/// <summary>
/// What a TLS-inspecting proxy does, in the tests: it accepts TLS on a loopback port with a certificate from its own
/// CA (the "hospital's inspection CA", valid for 127.0.0.1), opens its own TLS connection to the real coordinator and
/// copies bytes between the two. A client that trusts only the coordinator's CA must refuse it.
/// </summary>
public sealed class TlsInspectingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Uri _upstream;
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _handshakes;

    private TlsInspectingRelay(TcpListener listener, Uri upstream, X509Certificate2 certificate)
    {
        _listener = listener;
        _upstream = upstream;
        _certificate = certificate;
        Address = new Uri($"https://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    /// <summary>Where clients dial instead of the coordinator.</summary>
    public Uri Address { get; }

    /// <summary>TLS handshakes clients started with the relay.</summary>
    public int Handshakes => Volatile.Read(ref _handshakes);

    /// <param name="certificate">The inspection CA's certificate for 127.0.0.1, with its private key.</param>
    public static TlsInspectingRelay Start(Uri upstream, X509Certificate2 certificate)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new TlsInspectingRelay(listener, upstream, certificate);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await using var downstream = new SslStream(client.GetStream());
                Interlocked.Increment(ref _handshakes);
                await downstream.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate,
                    ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                }, _stop.Token);
                using var server = new TcpClient();
                await server.ConnectAsync(_upstream.Host, _upstream.Port, _stop.Token);
                await using var upstream = new SslStream(server.GetStream());
                // The inspecting proxy trusts whatever it likes upstream; it cannot present the client's certificate.
                await upstream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = _upstream.Host,
                    ApplicationProtocols = [downstream.NegotiatedApplicationProtocol],
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                }, _stop.Token);
                await Task.WhenAny(downstream.CopyToAsync(upstream, _stop.Token), upstream.CopyToAsync(downstream, _stop.Token));
            }
            catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client refused the relay's certificate (the point of the tests), or a side closed.
            }
        }
    }
}
