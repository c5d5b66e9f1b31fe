using System.Diagnostics;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Core.Grouping;
using ServerlessPush.Core.Metrics;
using ServerlessPush.Core.Model;
using ServerlessPush.Core.Selectors;
using ServerlessPush.Core.Storage;
using ServerlessPush.Testing.InMemory;

namespace ServerlessPush.Core.Tests.Gateway;

/// <summary><see cref="PushService"/> over the in-memory store: the checks, the registration cache and stale index rows.</summary>
public sealed class PushServiceTests
{
    private static readonly GroupingKey A = GroupingKey.ForJob("a");
    private static readonly GroupingKey B = GroupingKey.ForJob("b");

    [Fact]
    public async Task A_put_is_stored_with_the_grouping_labels_and_its_push_time()
    {
        var gateway = new InMemoryGateway();
        Assert.True((await gateway.PutAsync(A, "x 1\n")).Accepted);
        var group = Assert.Single(gateway.Store.Groups);
        Assert.Equal(gateway.Time.GetUtcNow(), group.LastPushTime);
        Assert.Null(group.LastFailureTime);
        Assert.Equal(["x{instance=,job=a} 1"], await gateway.ScrapedSeriesAsync());
    }

    [Fact]
    public async Task A_push_of_a_name_another_group_holds_with_another_type_is_refused_and_recorded_as_a_failure()
    {
        var gateway = new InMemoryGateway();
        Assert.True((await gateway.PutAsync(A, "# TYPE x gauge\nx 1\n")).Accepted);
        Assert.True((await gateway.PutAsync(B, "y 1\n")).Accepted);
        gateway.Time.Advance(TimeSpan.FromSeconds(1));

        var outcome = await gateway.PutAsync(B, "# TYPE x counter\nx 2\n");

        Assert.False(outcome.Accepted);
        Assert.StartsWith(PushService.RejectionPrefix, outcome.Rejection!.Message);
        Assert.Contains("is not a gauge", outcome.Rejection!.Message, StringComparison.OrdinalIgnoreCase);
        var b = gateway.Store.Groups.Single(g => g.Key.Equals(B));
        Assert.Equal(["y"], b.Families.Select(f => f.Name));
        Assert.Equal(gateway.Time.GetUtcNow(), b.LastFailureTime);
        Assert.False(b.LastPushSuccessful);
    }

    [Fact]
    public async Task A_refused_push_to_a_group_that_does_not_exist_stores_nothing()
    {
        var gateway = new InMemoryGateway();
        var outcome = await gateway.PutAsync(A, "x 1\nx 2\n");
        Assert.False(outcome.Accepted);
        Assert.Empty(gateway.Store.Groups);
    }

    [Fact]
    public async Task A_series_another_group_already_gives_through_the_instance_label_is_refused()
    {
        var gateway = new InMemoryGateway();
        Assert.True((await gateway.PutAsync(GroupingKey.ForJob("j", ("instance", "")), "x 1\n")).Accepted);
        var outcome = await gateway.PutAsync(GroupingKey.ForJob("j"), "x 2\n");
        Assert.False(outcome.Accepted);
        Assert.Contains("was collected before with the same name and label values", outcome.Rejection!.Message);
    }

    [Fact]
    public async Task Repeated_pushes_of_the_same_names_skip_the_index_until_the_permit_is_revoked()
    {
        var gateway = new InMemoryGateway();
        Assert.True((await gateway.PutAsync(A, "x 1\n")).Accepted);
        Assert.True((await gateway.PutAsync(A, "x 2\n")).Accepted);
        Assert.True((await gateway.PutAsync(A, "x 3\n")).Accepted);
        Assert.Equal(1, gateway.Index.Calls(nameof(IMetricTypeIndex.RegisterAsync)));
        Assert.Equal(1, gateway.Store.Calls(nameof(IGroupStore.AcquirePermitAsync)));

        // A new name is registered; the known one is not registered again.
        Assert.True((await gateway.PutAsync(A, "x 4\ny 1\n")).Accepted);
        Assert.Equal(2, gateway.Index.Calls(nameof(IMetricTypeIndex.RegisterAsync)));

        // Once the permit is gone (another instance proved a row stale), the names are registered anew.
        var state = await gateway.Store.ReadStateAsync(A);
        await gateway.Store.RevokePermitsAsync(state.Permits);
        Assert.True((await gateway.PutAsync(A, "x 5\ny 2\n")).Accepted);
        Assert.Equal(3, gateway.Index.Calls(nameof(IMetricTypeIndex.RegisterAsync)));
        Assert.Equal(2, gateway.Store.Calls(nameof(IGroupStore.AcquirePermitAsync)));
        Assert.Contains(gateway.Index.Rows, r => r is { Name: "x", Type: MetricType.Untyped } && r.Group.Equals(A));
    }

    [Fact]
    public async Task A_push_waiting_for_a_hung_permit_acquisition_gives_up_at_its_own_deadline_and_the_acquisition_is_still_shared()
    {
        // The acquisition is shared by this instance's concurrent first pushes, so it is not cancelled
        // with one of them; each push must still stop waiting at its own deadline (issue: a PUT after
        // a DELETE, storage frozen, answered 503 after 9 s against a 5 s deadline).
        var store = new InMemoryGroupStore();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.BeforeCallAsync = method => method == nameof(IGroupStore.AcquirePermitAsync) ? release.Task : Task.CompletedTask;
        var gateway = new InMemoryGateway(store: store);

        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var first = gateway.Push.PushAsync(A, InMemoryGateway.Parse("x 1\n"), PushMode.Replace, null, deadline.Token);
        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"gave up after {stopwatch.Elapsed}");

        // A second push joins the acquisition still in flight rather than starting another one.
        var second = gateway.PutAsync(A, "x 2\n");
        await Task.Delay(50);
        Assert.Equal(1, store.Calls(nameof(IGroupStore.AcquirePermitAsync)));
        release.SetResult();
        Assert.True((await second).Accepted);
        Assert.Equal(1, store.Calls(nameof(IGroupStore.AcquirePermitAsync)));
    }

    [Fact]
    public async Task A_deleted_group_is_pushed_again_with_its_names_registered_again()
    {
        var gateway = new InMemoryGateway();
        Assert.True((await gateway.PutAsync(A, "x 1\n")).Accepted);
        await gateway.Push.DeleteAsync(A);
        Assert.Empty(gateway.Store.Groups);
        Assert.True((await gateway.PutAsync(A, "x 2\n")).Accepted);
        Assert.Equal(2, gateway.Index.Calls(nameof(IMetricTypeIndex.RegisterAsync)));
    }

    [Fact]
    public async Task A_row_whose_group_no_longer_holds_the_family_is_removed_and_does_not_block_another_type()
    {
        var gateway = new InMemoryGateway();
        Assert.True((await gateway.PutAsync(A, "# TYPE x gauge\nx 1\n")).Accepted);
        Assert.True((await gateway.PutAsync(A, "other 1\n")).Accepted); // x leaves A, its row stays

        Assert.True((await gateway.PutAsync(B, "# TYPE x counter\nx 1\n")).Accepted);

        Assert.DoesNotContain(gateway.Index.Rows, r => r.Name == "x" && r.Group.Equals(A));
        // Proving the row stale revoked A's permit: A's next push of x registers again and is checked.
        var outcome = await gateway.PutAsync(A, "# TYPE x gauge\nx 1\n");
        Assert.False(outcome.Accepted);
        Assert.Contains("is not a counter", outcome.Rejection!.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_row_of_an_expired_group_does_not_block_another_type()
    {
        var gateway = new InMemoryGateway();
        Assert.True((await gateway.PutAsync(A, "# TYPE x gauge\nx 1\n", ttl: TimeSpan.FromMinutes(1))).Accepted);
        gateway.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.True((await gateway.PutAsync(B, "# TYPE x counter\nx 1\n")).Accepted);
        Assert.Equal(["x{instance=,job=b} 1"], await gateway.ScrapedSeriesAsync());
    }

    [Fact]
    public async Task A_row_registered_again_after_it_was_read_is_kept()
    {
        var index = new Testing.InMemory.InMemoryMetricTypeIndex();
        await index.RegisterAsync(A, [("x", MetricType.Gauge)]);
        var read = Assert.Single(await index.FindAsync("x", B, null, 8));
        await index.RegisterAsync(A, [("x", MetricType.Gauge)]);
        Assert.False(await index.RemoveIfUnchangedAsync(read));
        Assert.Single(index.Rows);
    }

    [Fact]
    public async Task Two_instances_pushing_clashing_types_to_new_groups_do_not_both_succeed()
    {
        var gateway = new InMemoryGateway();
        var other = gateway.NewPushService();
        var outcomes = await Task.WhenAll(
            gateway.PutAsync(A, "# TYPE x gauge\nx 1\n"),
            gateway.PutAsync(B, "# TYPE x counter\nx 1\n", via: other));
        Assert.True(outcomes.Count(o => o.Accepted) <= 1, "both clashing pushes were accepted");
    }

    [Fact]
    public async Task A_post_keeps_the_families_it_does_not_push_with_their_own_push_times()
    {
        var gateway = new InMemoryGateway();
        Assert.True((await gateway.PutAsync(A, "x 1\ny 1\n")).Accepted);
        var first = gateway.Time.GetUtcNow();
        gateway.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.True((await gateway.PostAsync(A, "y 2\n")).Accepted);

        var group = Assert.Single(gateway.Store.Groups);
        Assert.Equal(first, group.Families.Single(f => f.Name == "x").PushedAt);
        Assert.Equal(gateway.Time.GetUtcNow(), group.Families.Single(f => f.Name == "y").PushedAt);
        Assert.Equal(["x{instance=,job=a} 1", "y{instance=,job=a} 2"], await gateway.ScrapedSeriesAsync());
    }

    [Fact]
    public async Task A_post_racing_another_writer_is_applied_to_what_that_writer_wrote()
    {
        var gateway = new InMemoryGateway();
        Assert.True((await gateway.PutAsync(A, "x 1\n")).Accepted);
        var raced = false;
        gateway.Store.BeforeCallAsync = async call =>
        {
            if (call == "WriteAsync:commit" && !raced)
            {
                raced = true;
                await gateway.Store.WriteAsync(A, new MergeFamilies([new PushedFamily(InMemoryGateway.Parse("z 1\n")[0], gateway.Time.GetUtcNow())], gateway.Time.GetUtcNow(), null, null));
            }
        };
        Assert.True((await gateway.PostAsync(A, "y 1\n")).Accepted);
        Assert.Equal(["x", "y", "z"], Assert.Single(gateway.Store.Groups).Families.Select(f => f.Name).Order());
    }

    [Fact]
    public async Task Delete_of_a_job_removes_every_group_of_that_job_only()
    {
        var gateway = new InMemoryGateway();
        Assert.True((await gateway.PutAsync(GroupingKey.ForJob("j", ("instance", "1")), "x 1\n")).Accepted);
        Assert.True((await gateway.PutAsync(GroupingKey.ForJob("j", ("instance", "2")), "x 1\n")).Accepted);
        Assert.True((await gateway.PutAsync(GroupingKey.ForJob("k"), "x 1\n")).Accepted);
        var deletions = new GroupDeletionService(gateway.Store, Microsoft.Extensions.Options.Options.Create(gateway.Options), gateway.Time);
        Assert.Equal(2, (await deletions.DeleteAsync(GroupSelection.ForJob("j", JobScope.All), olderThan: null, dryRun: false)).Count);
        Assert.Equal(["k"], gateway.Store.Groups.Select(g => g.Key.Job));
    }

    [Fact]
    public async Task Storage_that_does_not_answer_fails_the_push_as_unavailable()
    {
        var gateway = new InMemoryGateway();
        gateway.Store.Unavailable = true;
        await Assert.ThrowsAsync<StorageUnavailableException>(() => gateway.PutAsync(A, "x 1\n"));
        gateway.Store.Unavailable = false;
        gateway.Index.Unavailable = true;
        await Assert.ThrowsAsync<StorageUnavailableException>(() => gateway.PutAsync(A, "x 1\n"));
        gateway.Index.Unavailable = false;
        Assert.Empty(gateway.Store.Groups);
    }
}
