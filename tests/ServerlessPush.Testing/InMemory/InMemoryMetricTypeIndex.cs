using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Storage;

namespace ServerlessPush.Testing.InMemory;

/// <summary>
/// <see cref="IMetricTypeIndex"/> in process memory, keeping the contract of the Table Storage index:
/// one row per (name, type, group); every registration writes a new version of its rows, and a row is
/// removed only if it is still the version read. <see cref="Unavailable"/> and <see cref="Calls"/> as in
/// <see cref="InMemoryGroupStore"/>.
/// </summary>
public sealed class InMemoryMetricTypeIndex : IMetricTypeIndex
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Name, MetricType Type, GroupingKey Group), string> _rows = [];
    private readonly Dictionary<string, int> _calls = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>While true, every call throws <see cref="StorageUnavailableException"/>.</summary>
    public bool Unavailable { get; set; }

    /// <summary>How often each method was called.</summary>
    public int Calls(string method)
    {
        lock (_lock)
        {
            return _calls.GetValueOrDefault(method);
        }
    }

    /// <summary>Every row now, with its version.</summary>
    public IReadOnlyList<TypeRegistration> Rows
    {
        get
        {
            lock (_lock)
            {
                return [.. _rows.Select(r => new TypeRegistration(r.Key.Name, r.Key.Type, r.Key.Group, r.Value))];
            }
        }
    }

    public Task RegisterAsync(GroupingKey group, IReadOnlyCollection<(string Name, MetricType Type)> families, CancellationToken cancellationToken = default)
    {
        Enter(nameof(RegisterAsync), cancellationToken);
        lock (_lock)
        {
            foreach (var (name, type) in families)
            {
                _rows[(name, type, group)] = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<TypeRegistration>> FindAsync(string name, GroupingKey except, MetricType? exceptType, int limit, CancellationToken cancellationToken = default)
    {
        Enter(nameof(FindAsync), cancellationToken);
        lock (_lock)
        {
            IReadOnlyList<TypeRegistration> found = [.. _rows
                .Where(r => r.Key.Name == name && !r.Key.Group.Equals(except) && (exceptType is null || r.Key.Type != exceptType))
                .OrderBy(r => r.Key.Group.Canonical, StringComparer.Ordinal)
                .Take(limit)
                .Select(r => new TypeRegistration(r.Key.Name, r.Key.Type, r.Key.Group, r.Value))];
            return Task.FromResult(found);
        }
    }

    public Task<bool> RemoveIfUnchangedAsync(TypeRegistration registration, CancellationToken cancellationToken = default)
    {
        Enter(nameof(RemoveIfUnchangedAsync), cancellationToken);
        lock (_lock)
        {
            var row = (registration.Name, registration.Type, registration.Group);
            if (!_rows.TryGetValue(row, out var version))
            {
                return Task.FromResult(true);
            }
            if (version != registration.Version)
            {
                return Task.FromResult(false);
            }
            _rows.Remove(row);
            return Task.FromResult(true);
        }
    }

    private void Enter(string method, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _calls[method] = _calls.GetValueOrDefault(method) + 1;
        }
        if (Unavailable)
        {
            throw new StorageUnavailableException($"{nameof(InMemoryMetricTypeIndex)}.{method}: storage is unavailable (test).");
        }
    }
}
