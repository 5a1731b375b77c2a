namespace PublicIp.Provider.Retries;

/// <summary>
/// Coalesces concurrent reads of one API action by id into one call for many (DescribeAddresses, DescribeEipAddresses),
/// so N concurrent operations spend far fewer than N tokens. No timer: a read that finds nobody sending goes out at
/// once, alone, as a lone read always did; reads that arrive while a call is in flight (or waits for its permit) ride
/// the next one together. Each call takes one permit from the budget and tells it what the cloud answered.
/// <para>
/// Run a read through <see cref="Retry.RunAsync{T}"/> with <c>takesPermit: false</c>: a throttled or failed call fails
/// every read that rode on it, and each read's own Retry decides whether to wait and read again (in a later call).
/// </para>
/// </summary>
/// <param name="send">One call for the ids (1 to <paramref name="maxBatch"/>); returns each id's answer.</param>
public sealed class Coalescer<TResult>(RateBudget budget, ITransientErrors errors, string action, int maxBatch,
    Func<IReadOnlyList<string>, Task<Func<string, TResult>>> send)
{
    private readonly object _gate = new();
    private readonly List<Pending> _pending = [];
    private bool _sending;

    public async Task<TResult> GetAsync(string id, CancellationToken ct)
    {
        var pending = new Pending(id);
        bool lead;
        lock (_gate)
        {
            _pending.Add(pending);
            lead = !_sending;
            _sending = true;
        }
        if (lead)
        {
            // The loop serves every read queued behind this one; it must not ride on this read's cancellation.
            _ = Task.Run(SendLoopAsync, CancellationToken.None);
        }
        return await pending.Result.Task.WaitAsync(ct);
    }

    private async Task SendLoopAsync()
    {
        while (true)
        {
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _sending = false;
                    return;
                }
            }
            List<Pending> batch;
            using (await budget.AcquireAsync(action, CancellationToken.None))
            {
                // Taken after the permit: reads that arrived while it was queued join this call.
                lock (_gate)
                {
                    batch = _pending.Take(maxBatch).ToList();
                    _pending.RemoveRange(0, batch.Count);
                }
                try
                {
                    var answer = await send(batch.Select(p => p.Id).Distinct(StringComparer.Ordinal).ToList());
                    budget.Succeeded(action);
                    batch.ForEach(p => p.Result.TrySetResult(answer(p.Id)));
                }
                catch (Exception e)
                {
                    if (errors.Classify(e) is { Kind: TransientKind.Throttled })
                    {
                        budget.Throttled(action);
                    }
                    batch.ForEach(p => p.Result.TrySetException(e));
                }
            }
        }
    }

    private sealed record Pending(string Id)
    {
        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
