namespace ServerlessPush.Core.Tests.Exposition;

/// <summary>
/// Outputs captured from the reference Pushgateway 1.5.1 (Debian build, go1.19.8) after pushing
/// <see cref="GoldenFixture"/> as protobuf. Only the time values were replaced: the reference's
/// receive times by the fixture's (<see cref="Group1PushedAt"/>, <see cref="Group2PushedAt"/>),
/// with push_time_seconds re-rendered from them the same way (float64(UnixNano)/1e9).
/// The scrape was filtered to the pushed families (go_*, process_*, pushgateway_* removed).
/// </summary>
internal static class ReferenceGoldens
{
    public static readonly DateTimeOffset Group1PushedAt = new DateTimeOffset(2026, 11, 25, 12, 9, 45, TimeSpan.Zero).AddTicks(4062664);
    public static readonly DateTimeOffset Group2PushedAt = new DateTimeOffset(2026, 11, 25, 12, 9, 45, TimeSpan.Zero).AddTicks(5165356);

    /// <summary>GET /metrics (text 0.0.4), pushed families and the timestamp gauges.</summary>
    public const string Scrape = """
# HELP c_total Counts \\ things\nover lines "quoted"
# TYPE c_total counter
c_total{instance="i1",job="golden"} 0.0001
c_total{a="0",instance="",job="golden2"} 5
c_total{a="1",instance="i1",job="golden"} 1e+21
c_total{a="2",instance="i1",job="golden"} 2
# TYPE g gauge
g{instance="",job="golden2"} 0.5
g{instance="i1",job="golden",v="<a&b> ü 😀"} 1e+06
g{instance="i1",job="golden",v="nan"} NaN
g{instance="i1",job="golden",v="q\"b\\n\nx"} 0
# HELP h A histogram.
# TYPE h histogram
h_bucket{instance="i1",job="golden",le="0.1"} 1
h_bucket{instance="i1",job="golden",le="1"} 4
h_bucket{instance="i1",job="golden",le="1e+06"} 9
h_bucket{instance="i1",job="golden",le="+Inf"} 10
h_sum{instance="i1",job="golden"} 5.5
h_count{instance="i1",job="golden"} 10
h_bucket{instance="i1",job="golden",k="v",le="-5"} 0
h_bucket{instance="i1",job="golden",k="v",le="+Inf"} 3
h_sum{instance="i1",job="golden",k="v"} 0
h_count{instance="i1",job="golden",k="v"} 0
# HELP push_failure_time_seconds Last Unix time when changing this group in the Pushgateway failed.
# TYPE push_failure_time_seconds gauge
push_failure_time_seconds{instance="",job="golden2"} 0
push_failure_time_seconds{instance="i1",job="golden"} 0
# HELP push_time_seconds Last Unix time when changing this group in the Pushgateway succeeded.
# TYPE push_time_seconds gauge
push_time_seconds{instance="",job="golden2"} 1.7956085855165355e+09
push_time_seconds{instance="i1",job="golden"} 1.7956085854062665e+09
# HELP s A summary.
# TYPE s summary
s_sum{instance="i1",job="golden",x="0"} 0
s_count{instance="i1",job="golden",x="0"} 0
s{instance="i1",job="golden",x="1",quantile="0.99"} -1
s{instance="i1",job="golden",x="1",quantile="0.5"} +Inf
s_sum{instance="i1",job="golden",x="1"} 1.5e-07
s_count{instance="i1",job="golden",x="1"} 7
# HELP u 
# TYPE u untyped
u{instance="i1",job="golden"} 1.23456789e+08
# HELP z_counter No _total suffix.
# TYPE z_counter counter
z_counter{instance="i1",job="golden"} 3

""";

    /// <summary>GET /api/v1/metrics, the object of group {job="golden",instance="i1"}.</summary>
    public const string ApiGroup1 = """
{"c_total":{"time_stamp":"2026-11-25T12:09:45.4062664Z","type":"COUNTER","help":"Counts \\ things\nover lines \"quoted\"","metrics":[{"labels":{"a":"2","instance":"i1","job":"golden"},"value":"2"},{"labels":{"a":"1","instance":"i1","job":"golden"},"value":"1e+21"},{"labels":{"instance":"i1","job":"golden"},"value":"0.0001"}]},"g":{"time_stamp":"2026-11-25T12:09:45.4062664Z","type":"GAUGE","metrics":[{"labels":{"instance":"i1","job":"golden","v":"q\"b\\n\nx"},"value":"-0"},{"labels":{"instance":"i1","job":"golden","v":"\u003ca\u0026b\u003e ü 😀"},"value":"1e+06"},{"labels":{"instance":"i1","job":"golden","v":"nan"},"value":"NaN"}]},"h":{"time_stamp":"2026-11-25T12:09:45.4062664Z","type":"HISTOGRAM","help":"A histogram.","metrics":[{"buckets":{"0.1":"1","1":"4","1e+06":"9"},"count":"10","labels":{"instance":"i1","job":"golden"},"sum":"5.5"},{"buckets":{"+Inf":"3","-5":"0"},"count":"0","labels":{"instance":"i1","job":"golden","k":"v"},"sum":"0"}]},"labels":{"instance":"i1","job":"golden"},"last_push_successful":true,"push_failure_time_seconds":{"time_stamp":"2026-11-25T12:09:45.4062664Z","type":"GAUGE","help":"Last Unix time when changing this group in the Pushgateway failed.","metrics":[{"labels":{"instance":"i1","job":"golden"},"value":"0"}]},"push_time_seconds":{"time_stamp":"2026-11-25T12:09:45.4062664Z","type":"GAUGE","help":"Last Unix time when changing this group in the Pushgateway succeeded.","metrics":[{"labels":{"instance":"i1","job":"golden"},"value":"1.7956085854062665e+09"}]},"s":{"time_stamp":"2026-11-25T12:09:45.4062664Z","type":"SUMMARY","help":"A summary.","metrics":[{"count":"7","labels":{"instance":"i1","job":"golden","x":"1"},"quantiles":{"0.5":"+Inf","0.99":"-1"},"sum":"1.5e-07"},{"count":"0","labels":{"instance":"i1","job":"golden","x":"0"},"quantiles":{},"sum":"0"}]},"u":{"time_stamp":"2026-11-25T12:09:45.4062664Z","type":"UNTYPED","metrics":[{"labels":{"instance":"i1","job":"golden"},"value":"1.23456789e+08"}]},"z_counter":{"time_stamp":"2026-11-25T12:09:45.4062664Z","type":"COUNTER","help":"No _total suffix.","metrics":[{"labels":{"instance":"i1","job":"golden"},"value":"3"}]}}
""";

    /// <summary>GET /api/v1/metrics, the object of group {job="golden2"}.</summary>
    public const string ApiGroup2 = """
{"c_total":{"time_stamp":"2026-11-25T12:09:45.5165356Z","type":"COUNTER","help":"Counts \\ things\nover lines \"quoted\"","metrics":[{"labels":{"a":"0","instance":"","job":"golden2"},"value":"5"}]},"g":{"time_stamp":"2026-11-25T12:09:45.5165356Z","type":"GAUGE","metrics":[{"labels":{"instance":"","job":"golden2"},"value":"0.5"}]},"labels":{"job":"golden2"},"last_push_successful":true,"push_failure_time_seconds":{"time_stamp":"2026-11-25T12:09:45.5165356Z","type":"GAUGE","help":"Last Unix time when changing this group in the Pushgateway failed.","metrics":[{"labels":{"instance":"","job":"golden2"},"value":"0"}]},"push_time_seconds":{"time_stamp":"2026-11-25T12:09:45.5165356Z","type":"GAUGE","help":"Last Unix time when changing this group in the Pushgateway succeeded.","metrics":[{"labels":{"instance":"","job":"golden2"},"value":"1.7956085855165355e+09"}]}}
""";

    /// <summary>
    /// GET /metrics with Accept protobuf delimited: the delimited messages of the pushed families
    /// (c_total, g, h, s, u, z_counter), base64, exactly as the reference sent them.
    /// </summary>
    public const string ProtobufScrapeBase64 = "9wEKB2NfdG90YWwSI0NvdW50cyBcIHRoaW5ncwpvdmVyIGxpbmVzICJxdW90ZWQiGAAiKgoOCghpbnN0YW5jZRICaTEKDQoDam9iEgZnb2xkZW4aCQktQxzr4jYaPyIxCgYKAWESATAKDAoIaW5zdGFuY2USAAoOCgNqb2ISB2dvbGRlbjIaCQkAAAAAAAAUQCIyCgYKAWESATEKDgoIaW5zdGFuY2USAmkxCg0KA2pvYhIGZ29sZGVuGgkJUO/i1uQaS0QiMgoGCgFhEgEyCg4KCGluc3RhbmNlEgJpMQoNCgNqb2ISBmdvbGRlbhoJCQAAAAAAAABA4AEKAWcYASIpCgwKCGluc3RhbmNlEgAKDgoDam9iEgdnb2xkZW4yEgkJAAAAAAAA4D8iPgoOCghpbnN0YW5jZRICaTEKDQoDam9iEgZnb2xkZW4KEgoBdhINPGEmYj4gw7wg8J+YgBIJCQAAAACAhC5BIjQKDgoIaW5zdGFuY2USAmkxCg0KA2pvYhIGZ29sZGVuCggKAXYSA25hbhIJCQAAAAAAAPj/IjgKDgoIaW5zdGFuY2USAmkxCg0KA2pvYhIGZ29sZGVuCgwKAXYSB3EiYlxuCngSCQkAAAAAAAAAgK0BCgFoEgxBIGhpc3RvZ3JhbS4YBCJTCg4KCGluc3RhbmNlEgJpMQoNCgNqb2ISBmdvbGRlbjoyCAoRAAAAAAAAFkAaCwgBEZqZmZmZmbk/GgsIBBEAAAAAAADwPxoLCAkRAAAAAICELkEiQwoOCghpbnN0YW5jZRICaTEKDQoDam9iEgZnb2xkZW4KBgoBaxIBdjoaGgsIABEAAAAAAAAUwBoLCAMRAAAAAAAA8H+aAQoBcxIKQSBzdW1tYXJ5LhgCIikKDgoIaW5zdGFuY2USAmkxCg0KA2pvYhIGZ29sZGVuCgYKAXgSATAiACJcCg4KCGluc3RhbmNlEgJpMQoNCgNqb2ISBmdvbGRlbgoGCgF4EgExIjMIBxF2gw309SGEPhoSCa5H4XoUru8/EQAAAAAAAPC/GhIJAAAAAAAA4D8RAAAAAAAA8H8zCgF1EgAYAyIqCg4KCGluc3RhbmNlEgJpMQoNCgNqb2ISBmdvbGRlbioJCQAAAFQ0b51BTAoJel9jb3VudGVyEhFObyBfdG90YWwgc3VmZml4LhgAIioKDgoIaW5zdGFuY2USAmkxCg0KA2pvYhIGZ29sZGVuGgkJAAAAAAAACEA=";
}
