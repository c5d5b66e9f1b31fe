using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace ServerlessPush.FunctionsHost;

/// <summary>
/// The app settings of the test host. As in Azure (and under Core Tools, from local.settings.json),
/// they are environment variables: the worker process gets them in its environment, and the host
/// resolves <c>%name%</c> binding expressions from its configuration, which reads the environment
/// (so <c>Gateway__Expiry__Schedule</c> answers <c>%Gateway:Expiry:Schedule%</c>). Defaults in the
/// app's own options never reach the host.
/// </summary>
public sealed class AppSettings
{
    private readonly IConfiguration _configuration;

    public AppSettings(IReadOnlyDictionary<string, string?> settings)
    {
        Values = settings;
        // The host's configuration over the process environment, with the app settings as part of it.
        _configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddInMemoryCollection(settings.Where(s => s.Value is not null)
                .Select(s => KeyValuePair.Create(s.Key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), s.Value)))
            .Build();
    }

    /// <summary>The settings as given (environment variable names, e.g. <c>Gateway__Tables__TableName</c>).</summary>
    public IReadOnlyDictionary<string, string?> Values { get; }

    /// <summary>A setting as the host's configuration sees it (<c>:</c> or <c>__</c> separated).</summary>
    public string? this[string name] => _configuration[name.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)];

    /// <summary>
    /// Replaces every <c>%name%</c> in <paramref name="expression"/> with its setting, with the
    /// WebJobs SDK's messages when it cannot (<c>'%name%' does not resolve to a value.</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">A name is unset, or a <c>%</c> is unclosed.</exception>
    public string ResolveWholeString(string expression)
    {
        var result = new System.Text.StringBuilder();
        var i = 0;
        while (i < expression.Length)
        {
            var start = expression.IndexOf('%', i);
            if (start < 0)
            {
                result.Append(expression, i, expression.Length - i);
                break;
            }
            var end = expression.IndexOf('%', start + 1);
            if (end < 0)
            {
                throw new InvalidOperationException(string.Format(CultureInfo.InvariantCulture,
                    "The '%' at position {0} does not have a closing '%'", start));
            }
            var name = expression.Substring(start + 1, end - start - 1);
            var value = string.IsNullOrEmpty(name) ? null : _configuration[name];
            if (value is null)
            {
                throw new InvalidOperationException($"'%{name}%' does not resolve to a value.");
            }
            result.Append(expression, i, start - i).Append(value);
            i = end + 1;
        }
        return result.ToString();
    }
}
