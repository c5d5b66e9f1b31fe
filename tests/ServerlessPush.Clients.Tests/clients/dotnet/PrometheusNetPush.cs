// Push with prometheus-net's MetricPusher (dotnet add package prometheus-net).
using System.Net.Http.Headers;
using Prometheus;

public static class PrometheusNetPush
{
    /// <param name="gatewayUrl">https://&lt;app&gt;.azurewebsites.net</param>
    /// <param name="key">A push key, or null when the gateway allows anonymous pushes.</param>
    /// <param name="replace">PUT (replace the group) instead of MetricPusher's default POST (replace only these metrics).</param>
    public static async Task PushAsync(string gatewayUrl, string? key, bool replace = false)
    {
        var registry = Metrics.NewCustomRegistry();
        var metrics = Metrics.WithCustomRegistry(registry);
        metrics.CreateCounter("backup_files_total", "Files backed up.").Inc(42);
        metrics.CreateGauge("backup_size_bytes", "Size of the backup.").Set(1234);
        metrics.CreateHistogram("backup_duration_seconds", "Backup duration.",
            new HistogramConfiguration { Buckets = [1, 5, 30] }).Observe(3.2);

        // MetricPusher reports a failed push only to OnError, from its background loop; a batch job that
        // must know whether its metrics arrived also looks at the gateway's answer.
        var answers = new AnswerRecorder(new HttpClientHandler());
        using var http = new HttpClient(answers);
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        Exception? error = null;
        var pusher = new MetricPusher(new MetricPusherOptions
        {
            Endpoint = gatewayUrl + "/metrics",
            Job = "backup",
            Instance = "db-1",
            AdditionalLabels = [new("site", "eu")],
            Registry = registry,
            HttpClientProvider = () => http,
            ReplaceOnPush = replace,
            OnError = e => error ??= e,
        });
        pusher.Start();
        await pusher.StopAsync(); // a batch job: push once, on stop
        if (error is not null)
        {
            throw new InvalidOperationException("push failed", error);
        }
        if (answers.Last is not { IsSuccessStatusCode: true })
        {
            throw new InvalidOperationException(answers.Last is null ? "no push was sent" : $"push answered {(int)answers.Last.StatusCode}");
        }
    }

    /// <summary>Keeps the gateway's last answer.</summary>
    private sealed class AnswerRecorder(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public HttpResponseMessage? Last { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            Last = response;
            return response;
        }
    }
}
