using System.Globalization;
using System.Net;
using System.Text;
using ServerlessPush.Testing;
using Xunit.Abstractions;

namespace ServerlessPush.Gateway.Tests.Telemetry;

/// <summary>
/// The Azure Monitor managed Prometheus path of docs/operations.md, as far as it runs here: the
/// agent config in the docs passes <c>promtool check config</c> as written, and the real Prometheus
/// in agent mode, given that config (pointed at loopback), scrapes a gateway that requires the read
/// key, gets a token from a stand-in token endpoint and remote-writes the pushed series with it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PrometheusAgentTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string ReadKey = "agent-read-key-0123456789";
    private const string PushKey = "agent-push-key-0123456789";
    private const string ClientSecret = "client-secret-0123456789";

    private const string DocsTarget = "['func-pushgw-abc123.azurewebsites.net']";
    private const string DocsUrlPrefix = "  - url: https://dce-pushgw-abc1.";

    /// <summary>The yaml block after the marker comment in docs/operations.md.</summary>
    private static string DocsConfig()
    {
        var docs = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "operations.md"));
        var marker = docs.IndexOf("<!-- prometheus-agent.yml", StringComparison.Ordinal);
        Assert.True(marker >= 0, "docs/operations.md has no prometheus-agent.yml block");
        var start = docs.IndexOf("```yaml\n", marker, StringComparison.Ordinal) + "```yaml\n".Length;
        return docs[start..docs.IndexOf("```", start, StringComparison.Ordinal)];
    }

    [Fact]
    public async Task The_documented_agent_config_is_valid_as_written()
    {
        using var dir = new TempDirectory();
        var config = dir.Write("prometheus-agent.yml", DocsConfig());
        dir.Write("serverlesspush-read-key", ReadKey);
        dir.Write("remote-write-client-secret", ClientSecret);
        var promtool = RepoPaths.Executable("PROMTOOL_BIN", "Install it with 'apt-get install prometheus'.", "promtool");
        await using var check = ManagedProcess.Start(promtool, ["check", "config", "--agent", config]);
        Assert.True(await check.WaitForExitAsync(TimeSpan.FromSeconds(30)), "promtool did not finish");
        output.WriteLine(check.Output);
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("SUCCESS", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_with_the_documented_config_scrapes_with_the_read_key_and_remote_writes_the_pushed_series()
    {
        await using var gateway = await GatewayServer.StartAsync(azurite.Azurite, new Dictionary<string, string?>
        {
            ["Gateway:Access:AllowAnonymous"] = "false",
            ["Gateway:Access:ReadKeys:0"] = ReadKey,
            ["Gateway:Access:PushKeys:0"] = PushKey,
        });
        using (var push = new HttpRequestMessage(HttpMethod.Put, "/metrics/job/agent_job/instance/agent_instance") { Content = new StringContent("agent_test_metric 42\n") })
        {
            push.Headers.Authorization = new("Bearer", PushKey);
            Assert.Equal(HttpStatusCode.OK, (await gateway.Client.SendAsync(push)).StatusCode);
        }
        // Without the key the scrape is refused: a success below is the key's doing.
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Client.GetAsync("/metrics")).StatusCode);

        using var receiver = new RemoteWriteReceiver();
        var config = DocsConfig();
        config = ReplaceOnce(config, DocsTarget, $"['{gateway.BaseAddress.Authority}']");
        config = ReplaceOnce(config, "    scheme: https\n", "    scheme: http\n");
        config = ReplaceOnce(config, "  scrape_interval: 30s\n", "  scrape_interval: 1s\n");
        config = ReplaceOnce(config, "  scrape_timeout: 10s\n", "  scrape_timeout: 1s\n");
        var urlStart = config.IndexOf(DocsUrlPrefix, StringComparison.Ordinal);
        Assert.True(urlStart >= 0, "the docs' remote_write url changed");
        var urlEnd = config.IndexOf('\n', urlStart);
        config = config[..urlStart] + $"  - url: {receiver.Url}\n" + config[(urlEnd + 1)..];
        var tokenStart = config.IndexOf("      token_url: https://login.microsoftonline.com/", StringComparison.Ordinal);
        Assert.True(tokenStart >= 0, "the docs' remote_write has no Entra ID token_url");
        var tokenEnd = config.IndexOf('\n', tokenStart);
        config = config[..tokenStart] + $"      token_url: {receiver.TokenUrl}\n" + config[(tokenEnd + 1)..];
        config = config.TrimEnd() + "\n    queue_config:\n      batch_send_deadline: 1s\n";
        output.WriteLine(config);

        using var dir = new TempDirectory();
        var configFile = dir.Write("prometheus-agent.yml", config);
        dir.Write("serverlesspush-read-key", ReadKey);
        dir.Write("remote-write-client-secret", ClientSecret);
        var port = FreePort.Get();
        await using var agent = ManagedProcess.Start(new ManagedProcessOptions
        {
            Name = $"prometheus-agent:{port}",
            FileName = PrometheusServer.FindExecutable(),
            Arguments =
            [
                "--enable-feature=agent",
                $"--config.file={configFile}",
                $"--storage.agent.path={Path.Combine(dir.Path, "wal")}",
                $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            ],
            WorkingDirectory = dir.Path,
        });
        var written = await receiver.WaitForAsync(body => body.Contains("agent_test_metric", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        output.WriteLine($"{receiver.Requests} remote-write requests");
        Assert.True(written is not null, "no remote write with the pushed series within 60 s; agent output:\n" + agent.Output);
        // honor_labels kept the pushed labels; the scrape itself was up.
        Assert.Contains("agent_job", written, StringComparison.Ordinal);
        Assert.Contains("agent_instance", written, StringComparison.Ordinal);
        Assert.Contains("push_time_seconds", written, StringComparison.Ordinal);
        Assert.DoesNotContain("exported_job", written, StringComparison.Ordinal);
        // The token was asked for with the client credentials and the Azure Monitor scope, and sent with every write.
        Assert.Contains("client_credentials", receiver.TokenRequest, StringComparison.Ordinal);
        Assert.Contains(Uri.EscapeDataString("https://monitor.azure.com/.default"), receiver.TokenRequest, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["Bearer " + RemoteWriteReceiver.Token], receiver.Authorizations.Distinct());
    }

    private static string ReplaceOnce(string text, string what, string with)
    {
        var at = text.IndexOf(what, StringComparison.Ordinal);
        Assert.True(at >= 0 && text.IndexOf(what, at + 1, StringComparison.Ordinal) < 0, $"the docs' config must hold {what.Trim()} once");
        return text[..at] + with + text[(at + what.Length)..];
    }

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("serverlesspush-agent-").FullName;

        public string Write(string name, string content)
        {
            var file = System.IO.Path.Combine(Path, name);
            File.WriteAllText(file, content);
            return file;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }

    /// <summary>
    /// A remote-write endpoint on loopback: each POST is a snappy block of a protobuf WriteRequest,
    /// kept here as text (label names and values appear verbatim in protobuf). <c>/token</c> stands
    /// in for the Entra ID token endpoint.
    /// </summary>
    private sealed class RemoteWriteReceiver : IDisposable
    {
        public const string Token = "stand-in-access-token";

        private readonly HttpListener _listener = new();
        private readonly List<string> _bodies = [];
        private readonly List<string> _authorizations = [];
        private readonly Task _loop;

        public RemoteWriteReceiver()
        {
            var port = FreePort.Get();
            Url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/api/v1/write";
            TokenUrl = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/token";
            _listener.Prefixes.Add($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public string TokenUrl { get; }

        /// <summary>The form the agent posted to the token endpoint.</summary>
        public string TokenRequest { get; private set; } = string.Empty;

        public IReadOnlyList<string> Authorizations
        {
            get
            {
                lock (_bodies)
                {
                    return [.. _authorizations];
                }
            }
        }

        public int Requests
        {
            get
            {
                lock (_bodies)
                {
                    return _bodies.Count;
                }
            }
        }

        public async Task<string?> WaitForAsync(Func<string, bool> match, TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < until)
            {
                lock (_bodies)
                {
                    if (_bodies.FirstOrDefault(match) is { } body)
                    {
                        return body;
                    }
                }
                await Task.Delay(200);
            }
            return null;
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                using var buffer = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(buffer);
                if (context.Request.Url!.AbsolutePath == "/token")
                {
                    TokenRequest = Encoding.UTF8.GetString(buffer.ToArray());
                    var json = Encoding.UTF8.GetBytes($"{{\"access_token\":\"{Token}\",\"token_type\":\"Bearer\",\"expires_in\":3600}}");
                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync(json);
                    context.Response.Close();
                    continue;
                }
                var text = Encoding.UTF8.GetString(Snappier.Snappy.DecompressToArray(buffer.ToArray()));
                lock (_bodies)
                {
                    _bodies.Add(text);
                    _authorizations.Add(context.Request.Headers["Authorization"] ?? string.Empty);
                }
                context.Response.StatusCode = 204;
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
