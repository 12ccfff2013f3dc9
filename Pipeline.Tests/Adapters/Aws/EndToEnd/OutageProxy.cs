using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pipeline.Tests.Adapters.Aws.EndToEnd;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a local HTTP server, that can make the server "go away" and come back on
/// the same address. Gone means: nothing listens (new connections are refused) and every request that is not already
/// in progress fails with a connection reset. <see cref="GoAwayAt"/> arms a deterministic trigger: the proxy goes
/// away instead of forwarding the n-th request that contains a marker (e.g. <c>PUT /bucket/raw/</c> or an
/// <c>X-Amz-Target</c>), so exactly n − 1 such requests reach the server.
/// </summary>
/// <remarks>
/// A request already being forwarded is let through and answered: the connection to the server is never closed
/// under a request in progress, because dynalite crashes when that happens (it rethrows the request's "aborted"
/// error), and the servers are shared by the whole test run. HTTP/1.1 without pipelining is assumed (the SDKs' way):
/// bytes from a client while no answer is awaited start a new request.
/// </remarks>
internal sealed class OutageProxy : IAsyncDisposable
{
    private readonly IPEndPoint _upstream;
    private readonly object _gate = new();
    private readonly List<Link> _links = [];
    private readonly TaskCompletionSource _wentAway = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TcpListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private byte[]? _marker;
    private int _countdown;

    public OutageProxy(int upstreamPort)
    {
        _upstream = new IPEndPoint(IPAddress.Loopback, upstreamPort);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Listen(listener);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Completes when the proxy goes away (by <see cref="GoAway"/> or the armed trigger).</summary>
    public Task WentAway => _wentAway.Task;

    private bool Away => _listener is null;

    /// <summary>Goes away instead of forwarding the <paramref name="occurrence"/>-th request containing <paramref name="marker"/>.</summary>
    public void GoAwayAt(string marker, int occurrence)
    {
        lock (_gate)
        {
            _marker = Encoding.ASCII.GetBytes(marker);
            _countdown = occurrence;
        }
    }

    /// <summary>Stops listening and resets every client connection that has no request in progress.</summary>
    public void GoAway()
    {
        lock (_gate)
        {
            _marker = null;
            _listener?.Stop();
            _listener = null;
            foreach (var link in _links.Where(l => !l.AwaitingAnswer)) link.ResetClient();
        }
        _wentAway.TrySetResult();
    }

    /// <summary>Listens again on the same port.</summary>
    public void ComeBack()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        Listen(listener);
    }

    private void Listen(TcpListener listener)
    {
        lock (_gate) _listener = listener;
        _acceptLoop = Task.Run(() => AcceptAsync(listener));
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        var link = new Link(client);
        lock (_gate)
        {
            if (Away)
            {
                link.ResetClient();
                return;
            }
            _links.Add(link);
        }
        try
        {
            await upstream.ConnectAsync(_upstream);
            var toServer = ToServerAsync(link, upstream.GetStream());
            var toClient = ToClientAsync(link, upstream.GetStream());
            await Task.WhenAny(toServer, toClient);
            // The client side is done. Let the server answer what it is serving before its connection closes.
            if (link.AwaitingAnswer) await toClient.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or TimeoutException)
        {
            // a side closed
        }
        finally
        {
            lock (_gate) _links.Remove(link);
            client.Dispose();
        }
    }

    private async Task ToServerAsync(Link link, NetworkStream server)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var from = link.Client.GetStream();
            while (true)
            {
                var read = await from.ReadAsync(buffer);
                if (read == 0) return;
                if (!link.AwaitingAnswer && StartsRequestToDrop(buffer.AsSpan(0, read)))
                {
                    link.ResetClient();
                    return;
                }
                link.AwaitingAnswer = true;
                await server.WriteAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // the client was reset
        }
    }

    private static async Task ToClientAsync(Link link, NetworkStream server)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await server.ReadAsync(buffer);
                link.AwaitingAnswer = false;
                if (read == 0) return;
                await link.Client.GetStream().WriteAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // the client was reset: the answer is dropped
        }
    }

    /// <summary>For the first bytes of a new request: true when the proxy is (or now goes) away.</summary>
    private bool StartsRequestToDrop(ReadOnlySpan<byte> start)
    {
        lock (_gate)
        {
            if (Away) return true;
            if (_marker is null || start.IndexOf(_marker) < 0 || --_countdown > 0) return false;
        }
        GoAway();
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        GoAway();
        await _acceptLoop;
    }

    /// <summary>One client connection and whether its current request still awaits the server's answer.</summary>
    private sealed class Link(TcpClient client)
    {
        private volatile bool _awaitingAnswer;

        public TcpClient Client { get; } = client;

        public bool AwaitingAnswer
        {
            get => _awaitingAnswer;
            set => _awaitingAnswer = value;
        }

        /// <summary>Resets the connection (RST), as a crashed server does.</summary>
        public void ResetClient()
        {
            try
            {
                Client.Client.LingerState = new LingerOption(true, 0);
                Client.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
