using System.Text;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Gateway.Tests.Http;
using static ServerlessPush.Gateway.Tests.Differential.DiffRequest;

namespace ServerlessPush.Gateway.Tests.Differential;

/// <summary>
/// Cases that both servers must answer alike, request by request and state by state. Never send
/// <c>job@base64/</c> with invalid base64 here: it hangs that route of 1.5.1 (known difference 4).
/// </summary>
public static class DifferentialCases
{
    private const string J = "/metrics/job/j";

    public static readonly IReadOnlyDictionary<string, DiffRequest[]> All = Build();

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in All.Keys)
        {
            data.Add(name);
        }
        return data;
    }

    private static Dictionary<string, DiffRequest[]> Build()
    {
        var c = new Dictionary<string, DiffRequest[]>(StringComparer.Ordinal);

        // --- The blog walkthrough, bodies and form content type exactly as axios sends them.
        static DiffRequest Form(DiffRequest r) => r.With("Content-Type", "application/x-www-form-urlencoded");
        c["blog walkthrough"] =
        [
            Form(Put("/metrics/job/test", BlogWalkthroughTests.FirstPut)),
            Form(Post("/metrics/job/test", BlogWalkthroughTests.Post)),
            Form(Put("/metrics/job/test", BlogWalkthroughTests.SecondPut)),
            Delete("/metrics/job/test"),
        ];

        // --- base64 in the path.
        c["base64 job with slashes (url-safe, padded)"] = [Put("/metrics/job@base64/" + B64Url("a/b/c"), "m 1\n")];
        c["base64 job unpadded"] = [Put("/metrics/job@base64/YWI", "m 1\n"), Put("/metrics/job@base64/YWI=", "m 2\n")];
        c["base64 label url-safe alphabet"] = [Put(J + "/v@base64/fn5-/w@base64/Pz8_", "m 1\n")];
        c["base64 label padding optional and ignored"] = [Put(J + "/v@base64/YQ==", "m 1\n"), Put(J + "/v@base64/YQ", "m 2\n"), Put(J + "/v@base64/YQ=", "m 3\n")];
        c["base64 label = is the empty value"] = [Put(J + "/v@base64/=", "m 1\n"), Put(J + "/v@base64/==", "m 2\n")];
        c["base64 empty instance alone"] = [Put(J + "/instance@base64/=", "m 1\n")];
        c["base64 job = is an empty job"] = [Put("/metrics/job@base64/=", "m 1\n")];
        c["base64 label invalid character"] = [Put(J + "/v@base64/a!b", "m 1\n")];
        c["base64 label = in the middle"] = [Put(J + "/v@base64/YQ=Q", "m 1\n")];
        c["base64 label single character"] = [Put(J + "/v@base64/a", "m 1\n")];
        c["base64 label five characters"] = [Put(J + "/v@base64/YWJjZ", "m 1\n")];
        c["base64 label with a standard slash"] = [Put(J + "/v@base64/" + Uri.EscapeDataString("Pz8/"), "m 1\n")];
        c["base64 utf-8 value and percent-encoded path"] = [Put(J + "/v@base64/" + B64Url("Πάσχα"), "m 1\n"), Put(J + "/w/%CE%A0x", "m 1\n")];
        c["base64 DELETE by encoded key"] = [Put(J + "/instance/a b", "m 1\n"), Delete("/metrics/job@base64/ag/instance@base64/" + B64Url("a b"))];

        // --- Label clashes between path and body.
        c["body job and instance overwritten by the path"] = [Put(J + "/instance/i1", "m{job=\"other\",instance=\"i2\",x=\"y\"} 1\n")];
        c["body instance kept when the path has none"] = [Put(J, "m{instance=\"i2\"} 1\nn 2\n")];
        c["body label overwritten by a path label"] = [Put(J + "/a/p", "m{a=\"b\"} 1\n")];
        c["two series become duplicates after overwrite (existing group)"] =
        [
            Put(J, "keep 1\n"),
            Put(J, "m{job=\"x\"} 1\nm{job=\"y\"} 2\n"),
        ];
        c["job label in the label part is overridden"] = [Put(J + "/job/other", "m 1\n")];
        c["duplicate path label: last wins"] = [Put(J + "/a/1/a/2", "m 1\n")];

        // --- Every metric type.
        c["counter gauge untyped"] = [Put(J, "# TYPE c counter\nc 1\n# TYPE g gauge\ng -2.5\nu 3\n# TYPE u2 untyped\nu2{l=\"v\"} 4\n")];
        c["type words are case-insensitive"] = [Put(J, "# TYPE g Gauge\ng 1\n# TYPE c COUNTER\nc 2\n")];
        c["summary"] = [Put(J, "# HELP s A summary.\n# TYPE s summary\ns{quantile=\"0.5\"} 1\ns{quantile=\"0.9\"} 2\ns{quantile=\"0.99\"} 3\ns_sum 10\ns_count 4\n")];
        c["summary without sum and count"] = [Put(J, "# TYPE s summary\ns{quantile=\"0.5\"} 1\n")];
        c["summary only sum and count"] = [Put(J, "# TYPE s summary\ns_sum 1\ns_count 2\n")];
        c["histogram with +Inf"] = [Put(J, "# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 3\nh_sum 4.5\nh_count 3\n")];
        c["histogram without +Inf"] = [Put(J, "# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"1\"} 2\nh_sum 4.5\nh_count 3\n")];
        c["histogram le and quantile formatting"] =
        [
            Put(J, "# TYPE h histogram\nh_bucket{le=\"1.0\"} 1\nh_bucket{le=\"1000000\"} 2\nh_bucket{le=\"0.00001\"} 2\nh_bucket{le=\"+inf\"} 3\nh_sum 1\nh_count 3\n# TYPE s summary\ns{quantile=\"0.50\"} 1\ns{quantile=\"1e-1\"} 1\n"),
        ];
        c["histogram with labels and two series"] = [Put(J, "# TYPE h histogram\nh_bucket{a=\"1\",le=\"1\"} 1\nh_bucket{a=\"2\",le=\"1\"} 5\nh_sum{a=\"1\"} 1\nh_count{a=\"1\"} 1\nh_sum{a=\"2\"} 2\nh_count{a=\"2\"} 5\n")];
        c["samples that do not fit their type"] = [Put(J, "# TYPE c counter\nc_sum 1\nc{quantile=\"0.5\"} 2\nc 3\n# TYPE g gauge\ng_bucket{le=\"1\"} 1\n")];
        c["histogram suffixes without TYPE are untyped families"] = [Put(J, "h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n")];
        c["family order and series order"] = [Put(J, "zeta{a=\"1\",b=\"2\"} 1\nzeta{a=\"0\"} 2\nalpha 3\nZulu 4\n_under 5\n")];

        // --- HELP, escapes and values.
        c["HELP with escapes"] = [Put(J, "# HELP m Line one\\nline two \\\\ backslash \"quote\" \\t.\n# TYPE m gauge\nm 1\n")];
        c["HELP only, no TYPE"] = [Put(J, "# HELP m Some help.\nm 1\n")];
        c["HELP after samples accepted"] = [Put(J, "m 1\n# HELP m Late help.\n")];
        c["second HELP line"] = [Put(J, "# HELP m a\n# HELP m b\nm 1\n")];
        c["label value escapes"] = [Put(J, "m{a=\"q\\\"uote\",b=\"back\\\\slash\",c=\"new\\nline\",d=\"ünï\"} 1\n")];
        c["invalid label escape"] = [Put(J, "m{a=\"x\\ty\"} 1\n")];
        c["empty label value in the body"] = [Put(J, "m{a=\"\"} 1\n")];
        c["NaN and infinities"] = [Put(J, "a NaN\nb +Inf\nc -Inf\nd Inf\ne nan\nf -0\ng 1e6\nh 123456\ni 0.0001\nj 1e-05\nk 1.7955854934657397e+09\nl 0x10\n")];
        c["trailing comma in labels"] = [Put(J, "m{a=\"1\",} 1\n")];
        c["comments and blank lines"] = [Put(J, "\n# just a comment\n   \n# EOF\n# UNIT m seconds\nm 1\n  \n")];

        // --- Timestamps.
        c["timestamp on an existing group"] = [Put(J, "m 1\n"), Put(J, "m 2 1000\n"), Post(J, "n 3\n")];
        c["timestamp 0 and negative on an existing group"] = [Put(J, "m 1\n"), Put(J, "m 2 0\n"), Post(J, "m 3 -5\n")];
        c["timestamp on a new group"] = [Put(J, "m 1 1000\n")];
        c["float timestamp is a parse error"] = [Put(J, "m 1 1.5\n")];

        // --- Conflicts across groups.
        c["type conflict across groups (new group)"] = [Put("/metrics/job/a", "# TYPE x gauge\nx 1\n"), Put("/metrics/job/b", "# TYPE x counter\nx 1\n")];
        c["type conflict across groups (existing group)"] =
        [
            Put("/metrics/job/a", "# TYPE x gauge\nx 1\n"),
            Put("/metrics/job/b", "y 1\n"),
            Post("/metrics/job/b", "# TYPE x counter\nx 1\n"),
            Put("/metrics/job/b", "x 1\n"),
        ];
        c["untyped vs gauge across groups"] = [Put("/metrics/job/a", "# TYPE x gauge\nx 1\n"), Put("/metrics/job/b", "y 1\n"), Put("/metrics/job/b", "x 1\n")];
        c["gauge vs untyped across groups"] = [Put("/metrics/job/a", "x 1\n"), Put("/metrics/job/b", "y 1\n"), Post("/metrics/job/b", "# TYPE x gauge\nx 1\n")];
        c["type conflict after a rejected conflict"] =
        [
            Put("/metrics/job/a", "# TYPE x gauge\nx 1\n"),
            Put("/metrics/job/b", "y 1\n"),
            Post("/metrics/job/b", "# TYPE x counter\nx 1\n"),
            Post("/metrics/job/b", "# TYPE x counter\nx 1\n"),
        ];
        c["same type across groups merges"] = [Put("/metrics/job/a", "# TYPE x gauge\nx 1\n"), Put("/metrics/job/b", "# TYPE x gauge\nx 2\n")];
        c["type change inside one group is fine"] = [Put(J, "# TYPE x gauge\nx 1\n"), Put(J, "# TYPE x counter\nx 1\n")];
        c["summary vs _count in another group"] = [Put("/metrics/job/a", "# TYPE s summary\ns_sum 1\ns_count 1\n"), Put("/metrics/job/b", "s_count 1\n")];
        c["_count in one push with a summary"] = [Put(J, "keep 1\n"), Put(J, "# TYPE s summary\ns_sum 1\ns_count 1\n# TYPE s_count gauge\ns_count 1\n")];
        c["duplicate series across {job} and {job,instance} via body instance"] =
        [
            Put("/metrics/job/d/instance/i", "m 1\n"),
            Put("/metrics/job/d", "m{instance=\"i\"} 2\n"),
        ];
        c["duplicate series across {job} and {job,instance} (existing group)"] =
        [
            Put("/metrics/job/d/instance/i", "m 1\n"),
            Put("/metrics/job/d", "other 1\n"),
            Post("/metrics/job/d", "m{instance=\"i\"} 2\n"),
        ];
        c["duplicate series inside one push"] = [Put(J, "keep 1\n"), Put(J, "m{a=\"1\"} 1\nm{a=\"1\"} 2\n")];
        c["reserved label in the body"] = [Put(J, "keep 1\n"), Put(J, "m{__x=\"1\"} 1\n")];
        c["__name__ label in the body"] = [Put(J, "m{__name__=\"n\"} 1\n")];
        c["duplicate label names in one sample"] = [Put(J, "m{a=\"1\",a=\"2\"} 1\n")];
        c["same HELP across groups"] = [Put("/metrics/job/a", "# HELP x H.\nx 1\n"), Put("/metrics/job/b", "# HELP x H.\nx 2\n")];
        c["failure time stays after later successes"] =
        [
            Put(J, "m 1\n"),
            Put(J, "m 1 5\n"),
            Put(J, "m 2\n"),
            Post(J, "n 2\n"),
        ];
        c["pushed timestamp gauges are overridden"] = [Put(J, "push_time_seconds 5\n"), Post(J, "push_time_seconds 6\n")];

        // --- Empty bodies.
        c["empty PUT creates a group"] = [Put(J, "")];
        c["empty PUT keeps nothing of an existing group"] = [Put(J, "m 1\n"), Put(J, "")];
        c["empty POST keeps the families"] = [Put(J, "m 1\n"), Post(J, "")];
        c["empty POST creates a group"] = [Post(J, "")];
        c["only HELP and TYPE lines"] = [Put(J, "m 1\n"), Post(J, "# HELP m x\n# TYPE m gauge\n")];

        // --- Protobuf bodies.
        c["protobuf all types"] =
        [
            PutProtobuf(J,
                Pb.Family("pc", MetricType.Counter, "A counter.", Pb.Counter(1, ("a", "1")), Pb.Counter(2, ("a", "2"))),
                Pb.Family("pg", MetricType.Gauge, null, Pb.Gauge(-3.25)),
                Pb.Family("pu", MetricType.Untyped, "Untyped.", Pb.Untyped(double.NaN)),
                Pb.Family("ps", MetricType.Summary, "S.", Pb.Summary(4, 10, [(0.5, 1), (0.99, 2)])),
                Pb.Family("ph", MetricType.Histogram, "H.", Pb.Histogram(3, 4.5, [(0.1, 1), (1, 2)])),
                Pb.Family("ph2", MetricType.Histogram, null, Pb.Histogram(3, 4.5, [(1, 2), (double.PositiveInfinity, 3)]))),
        ];
        c["protobuf written by protobuf's own delimited writer"] =
        [
            Put(J, Pb.Raw(Pb.Family("raw", MetricType.Gauge, "Raw.", Pb.Gauge(7, ("x", "y"))))).With("Content-Type", ProtobufContentType),
        ];
        c["protobuf same name twice: last wins"] =
        [
            PutProtobuf(J, Pb.Family("dup", MetricType.Gauge, null, Pb.Gauge(1)), Pb.Family("other", MetricType.Gauge, null, Pb.Gauge(9)), Pb.Family("dup", MetricType.Counter, null, Pb.Counter(2))),
        ];
        c["protobuf empty body"] = [Put(J, "m 1\n"), PutProtobuf(J)];
        c["protobuf truncated"] = [Put(J, Pb.Delimited(Pb.Family("m", MetricType.Gauge, null, Pb.Gauge(1)))[..^2]).With("Content-Type", ProtobufContentType)];
        c["protobuf bad varint"] = [Put(J, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]).With("Content-Type", ProtobufContentType)];
        c["protobuf parameters in another order"] =
        [
            Put(J, Pb.Delimited(Pb.Family("m", MetricType.Gauge, null, Pb.Gauge(1)))).With("Content-Type", "application/vnd.google.protobuf; encoding=delimited; proto=io.prometheus.client.MetricFamily"),
        ];
        c["protobuf type without parameters is parsed as text"] =
        [
            Put(J, Pb.Delimited(Pb.Family("m", MetricType.Gauge, null, Pb.Gauge(1)))).With("Content-Type", "application/vnd.google.protobuf"),
        ];
        c["protobuf with a timestamp on an existing group"] =
        [
            Put(J, "m 1\n"),
            PutProtobuf(J, Pb.Family("m", MetricType.Gauge, null, new Metric { Gauge = new Gauge { Value = 1 }, TimestampMs = 5 })),
        ];
        c["protobuf body labels overwritten and instance added"] =
        [
            PutProtobuf(J + "/instance/i", Pb.Family("m", MetricType.Gauge, null, Pb.Gauge(1, ("job", "x"), ("instance", "y"), ("z", "1")))),
        ];
        c["protobuf POST replaces a family"] =
        [
            Put(J, "# TYPE a gauge\na 1\nb 2\n"),
            Post(J, Pb.Delimited(Pb.Family("a", MetricType.Counter, "now a counter", Pb.Counter(5)))).With("Content-Type", ProtobufContentType),
        ];
        c["protobuf family with no metrics"] = [Put(J, "m 1\nn 1\n"), Post(J, Pb.Delimited(Pb.Family("m", MetricType.Gauge, "empty", []))).With("Content-Type", ProtobufContentType)];

        // --- gzip bodies.
        c["gzip text"] = [Put(J, "# TYPE m gauge\nm 1\n").Gzipped()];
        c["gzip protobuf"] = [PutProtobuf(J, Pb.Family("m", MetricType.Counter, "gz", Pb.Counter(3))).Gzipped()];
        c["gzip header on a plain body"] = [Put(J, "m 1\n").With("Content-Encoding", "gzip")];
        c["gzip header on a longer plain body"] = [Put(J, "# TYPE m gauge\nm 1\n").With("Content-Encoding", "gzip")];
        c["gzip truncated stream"] = [Put(J, Gzip(Encoding.UTF8.GetBytes("# TYPE m gauge\nm 1\nn 2\n"))[..^12]).With("Content-Encoding", "gzip")];
        c["gzip corrupt checksum"] = [Put(J, CorruptCrc(Gzip(Encoding.UTF8.GetBytes("m 1\n")))).With("Content-Encoding", "gzip")];
        c["gzip truncated at a line end"] = [Put(J, TruncatedAtLineEnd()).With("Content-Encoding", "gzip")];
        c["gzip truncated protobuf"] = [Put(J, Gzip(Pb.Delimited(Pb.Family("m", MetricType.Gauge, null, Pb.Gauge(1))))[..^4]).With("Content-Encoding", "gzip").With("Content-Type", ProtobufContentType)];
        c["gzip two members"] = [Put(J, [.. Gzip(Encoding.UTF8.GetBytes("a 1\n")), .. Gzip(Encoding.UTF8.GetBytes("b 2\n"))]).With("Content-Encoding", "gzip")];
        c["gzip with junk after the member"] = [Put(J, [.. Gzip(Encoding.UTF8.GetBytes("a 1\n")), .. "junk!junk!junk"u8.ToArray()]).With("Content-Encoding", "gzip")];
        c["gzip header on an empty body"] = [Put(J, "").With("Content-Encoding", "gzip")];
        c["identity encoding is read as sent"] = [Put(J, "m 1\n").With("Content-Encoding", "identity")];

        // --- Parse errors.
        c["no final newline"] = [Put(J, "m 1")];
        c["no final newline after good lines"] = [Put(J, "a 1\nb 2")];
        c["CRLF line endings"] = [Put(J, "m 1\r\n")];
        c["unknown metric type"] = [Put(J, "# TYPE m foo\nm 1\n")];
        c["OpenMetrics type words"] = [Put(J, "# TYPE m info\nm 1\n")];
        c["second TYPE line"] = [Put(J, "# TYPE m gauge\n# TYPE m counter\nm 1\n")];
        c["TYPE after samples"] = [Put(J, "m 1\n# TYPE m gauge\n")];
        c["#TYPE without a space"] = [Put(J, "#TYPE m gauge\nm 1\n")];
        c["space after the value"] = [Put(J, "m 1 \n")];
        c["invalid metric name"] = [Put(J, "1m 1\n")];
        c["byte order mark"] = [Put(J, "\uFEFFm 1\n")];
        c["missing value"] = [Put(J, "m\n")];
        c["invalid value"] = [Put(J, "m abc\n")];
        c["invalid label name in the body"] = [Put(J, "m{1a=\"x\"} 1\n")];
        c["unterminated label value"] = [Put(J, "m{a=\"x} 1\n")];
        c["parse error on a later line"] = [Put(J, "a 1\nb 2\n# TYPE c gauge\nc{x=\"1\"} y\n")];
        c["exemplar is a parse error"] = [Put(J, "m 1 # {a=\"b\"} 1\n")];
        c["parse error leaves the group alone"] = [Put(J, "m 1\n"), Put(J, "m 1"), Post(J, "# TYPE x bad\n")];

        // --- Paths.
        c["odd number of components"] = [Put(J + "/instance", "m 1\n"), Put(J + "/instance/i/", "m 1\n")];
        c["improper label names"] = [Put(J + "/bad-name/v", "m 1\n"), Put(J + "/__x/v", "m 1\n"), Put(J + "/a:b/v", "m 1\n"), Put(J + "/1a/v", "m 1\n"), Put(J + "/bad-name@base64/YQ", "m 1\n")];
        c["empty job segment redirects"] = [Put("/metrics/job/", "m 1\n"), Put("/metrics/job", "m 1\n"), Put("/metrics/job@base64/", "m 1\n"), Put("/metrics/job@base64", "m 1\n")];
        c["double slash redirects"] = [Put("/metrics/job//j", "m 1\n"), Put("/metrics//job/j", "m 1\n"), Delete(J + "//x/y"), Put(J + "/a/%2Fb", "m 1\n")];
        c["query string is kept in redirects and ignored otherwise"] = [Put("/metrics/job//j?x=1", "m 1\n"), Put(J + "?x=1", "m 1\n")];
        c["trailing slash after the job"] = [Put(J + "/", "m 1\n"), Put(J, "n 1\n")];
        c["trailing slash after a label name gives an empty value"] = [Put(J + "/x/", "m 1\n")];
        c["encoded slash splits the path"] = [Put(J + "/a%2Fb", "m 1\n")];
        c["plus stays literal"] = [Put(J + "/a/b+c", "m 1\n")];
        c["GET and PATCH on a push path"] = [Get(J), new DiffRequest("PATCH", J, Encoding.UTF8.GetBytes("m 1\n")), new DiffRequest("HEAD", J)];
        c["OPTIONS and HEAD"] = [new DiffRequest("OPTIONS", J), new DiffRequest("HEAD", "/metrics"), new DiffRequest("POST", "/metrics", Encoding.UTF8.GetBytes("m 1\n"))];
        c["wrong methods on fixed routes"] = [Get("/api/v1/admin/wipe"), Delete("/api/v1/admin/wipe"), new DiffRequest("POST", "/-/healthy"), new DiffRequest("PUT", "/-/ready"), Delete("/metrics")];
        c["trailing slash on fixed routes"] = [Get("/metrics/"), Get("/-/healthy/"), Get("/-/ready/"), new DiffRequest("POST", "/-/healthy/"), Put("/metrics/", "m 1\n"), Get("/static"), Get("/metrics/?x=1")];
        c["encoded percent stays literal"] = [Put(J + "/a/x%252Fy", "m 1\n"), Put(J + "/b/50%25", "m 1\n")];
        c["unknown paths"] = [Get("/index.html"), Put("/metrics/jobs/j", "m 1\n"), Put("/metric/job/j", "m 1\n")];
        c["DELETE of a missing group"] = [Delete("/metrics/job/nothing/here/x")];
        c["DELETE is exact, not a prefix"] = [Put(J, "m 1\n"), Put(J + "/instance/i", "m 1\n"), Delete(J), Delete(J + "/instance/other")];
        c["DELETE with a bad path"] = [Delete(J + "/bad-name/v"), Delete(J + "/odd")];

        // --- Cleaned paths: Location escaped as Go's URL does, so it stays on the site; control
        // characters are data, never a 5xx (issue 13).
        static DiffRequest Raw(DiffRequest r) => r.AsIs();
        c["dot segments before a backslash stay on the site"] = [Raw(Get("/metrics/%2e%2e/%5Cevil.com/")), Raw(Put("/metrics/%2e%2e/%5Cevil.com/", "m 1\n")), Raw(new DiffRequest("HEAD", "/metrics/%2e%2e/%5Cevil.com/"))];
        c["dot segments before CR LF"] = [Raw(Get("/%2e%2e/%0d%0aSet-Cookie:x=y/")), Raw(Put("/metrics/job/j/%2e%2e/%0d%0a", "m 1\n")), Raw(Delete("/metrics/%2e%2e/%2e%2e/%0a"))];
        c["redirect escapes what Go's URL escapes"] = [Raw(Get("/a/../b%20c!*()%27%22%3C%3E%5E%60%7B%7C%7D%5B%5D~$&+,;=:@%25/?q=1&r=%zz")), Raw(Put("/metrics/job/%2e%2e/j%3Fk/%CE%A0", "m 1\n"))];
        c["double slash to another host stays on the site"] = [Raw(Get("/x/..//evil.com")), Raw(Get("//evil.com/%2e%2e/")), Raw(Get("/metrics/..%2F%2Fevil.com"))];
        c["control characters in the job and labels"] = [Raw(Put("/metrics/job/j%0d%0a", "m 1\n")), Raw(Put(J + "/a/%01%7f", "m 1\n")), Raw(Put(J + "/a%0a/b", "m 1\n")), Raw(Delete("/metrics/job/j%0d%0a"))];
        c["control characters on other routes"] = [Raw(Get("/x%0d%0a")), Raw(Get("/api/v1/%0d%0a")), Raw(Get("/metrics%0d%0a"))];

        // --- PUT/POST semantics.
        c["POST replaces a family as a whole"] =
        [
            Put(J, "m{a=\"1\"} 1\nm{a=\"2\"} 2\nother 3\n"),
            Post(J, "m{a=\"3\"} 3\n"),
        ];
        c["POST replacing a family with a new type"] = [Put(J, "# TYPE m gauge\nm 1\n"), Post(J, "# TYPE m counter\nm 2\n")];
        c["PUT replaces the whole group"] = [Put(J, "a 1\nb 2\n"), Put(J, "c 3\n")];
        c["groups with different label sets"] = [Put(J, "m 1\n"), Put(J + "/instance/i", "m 2\n"), Put(J + "/instance/i/zone/z", "m 3\n"), Put("/metrics/job/k/zone/z", "m 4\n")];

        // --- Scrape negotiation that the reference shares.
        c["gzip scrape when asked for gzip alone"] = [Put(J, "m 1\n"), Get("/metrics").With("Accept-Encoding", "gzip")];
        // Default scrapers list OpenMetrics first; both answer text 0.0.4 (counters, le="5" as pushed).
        const string scraped = "# TYPE jobs_done counter\njobs_done 3\n# TYPE d histogram\nd_bucket{le=\"5\"} 1\nd_bucket{le=\"+Inf\"} 2\nd_sum 7\nd_count 2\n";
        c["Prometheus 2.42 default Accept gets text"] =
        [
            Put(J, scraped),
            Get("/metrics").With("Accept", "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
        ];
        c["Prometheus 3 default Accept gets text"] =
        [
            Put(J, scraped),
            Get("/metrics").With("Accept", "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"),
        ];
        c["OpenMetrics alone gets text"] = [Put(J, scraped), Get("/metrics").With("Accept", "application/openmetrics-text")];

        return c;
    }

    /// <summary>A stored (uncompressed) deflate block cut right after a complete line: no error text surfaces.</summary>
    private static byte[] TruncatedAtLineEnd()
    {
        var text = Encoding.UTF8.GetBytes("a 1\nb 2\n");
        byte[] header = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF];
        // Final stored block of 8 bytes, of which only "a 1\n" is sent.
        byte[] block = [0x01, 8, 0, 0xF7, 0xFF];
        return [.. header, .. block, .. text[..4]];
    }

    private static byte[] CorruptCrc(byte[] gzip)
    {
        gzip[^8] ^= 0xFF;
        return gzip;
    }

    private static string B64Url(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).Replace('+', '-').Replace('/', '_');
}
