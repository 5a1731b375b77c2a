namespace PublicIp.Provider.Retries;

/// <summary>
/// Coalesces concurrent reads of one API action by id into one call for many (DescribeAddresses,
/// DescribeAddressesAttribute, DescribeEipAddresses), so N concurrent operations spend far fewer than N tokens.
/// A read that finds nobody sending and no queue in the budget goes out at once, alone, as a lone read always did
/// (no timer, no sleep). Reads that arrive while a call is in flight (or waits for its permit) ride the next one
/// together; and while the budget has requests queued (the process is bound by the rate limit, so waiting costs
/// nothing) the next call waits up to <see cref="MaxGather"/> for more reads to join it. Each call takes one permit
/// from the budget and tells it what the cloud answered.
/// <para>
/// A call for many ids that the cloud refuses for a reason that is not transient (say, one id is gone and the API
/// fails the whole call for it) is asked again one id at a time, each with its own permit, so every read gets the
/// answer it would have had alone: one bad or missing id never fails the others.
/// </para>
/// <para>
/// Run a read through <see cref="Retry.RunAsync{T}"/> with <c>takesPermit: false</c>: a throttled or failed call fails
/// every read that rode on it, and each read's own Retry decides whether to wait and read again (in a later call).
/// </para>
/// </summary>
/// <param name="sendBatch">One call for 2 to <paramref name="maxBatch"/> ids; returns each id's answer.</param>
/// <param name="sendAlone">The call for one id, exactly as a lone read makes it.</param>
public sealed class Coalescer<TResult>(RateBudget budget, ITransientErrors errors, string action, int maxBatch,
    Func<IReadOnlyList<string>, Task<Func<string, TResult>>> sendBatch, Func<string, CancellationToken, Task<TResult>> sendAlone)
{
    /// <summary>The longest a call waits for company, and only while the budget queues anyway.</summary>
    public static readonly TimeSpan MaxGather = TimeSpan.FromMilliseconds(50);

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

    /// <summary>One call for one id with a permit of its own (ids that are never batched, and the fallback).</summary>
    public async Task<TResult> SendAloneAsync(string id, CancellationToken ct)
    {
        using var lease = await budget.AcquireAsync(action, ct);
        return await Answered(() => sendAlone(id, ct));
    }

    private async Task<T> Answered<T>(Func<Task<T>> call)
    {
        try
        {
            var answer = await call();
            budget.Succeeded(action);
            return answer;
        }
        catch (Exception e)
        {
            if (errors.Classify(e) is { Kind: TransientKind.Throttled })
            {
                budget.Throttled(action);
            }
            else
            {
                budget.Succeeded(action); // any real answer says the bucket had a token for us
            }
            throw;
        }
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
            var gather = budget.QueueWait;
            if (gather > TimeSpan.Zero)
            {
                await Task.Delay(gather < MaxGather ? gather : MaxGather, budget.Time);
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
                var ids = batch.Select(p => p.Id).Distinct(StringComparer.Ordinal).ToList();
                Dictionary<string, Task<TResult>>? alone = null;
                try
                {
                    Func<string, TResult> answer;
                    if (ids.Count == 1)
                    {
                        var one = await Answered(() => sendAlone(ids[0], CancellationToken.None));
                        answer = _ => one;
                    }
                    else
                    {
                        answer = await Answered(() => sendBatch(ids));
                    }
                    batch.ForEach(p => p.Result.TrySetResult(answer(p.Id)));
                }
                catch (Exception e) when (ids.Count > 1 && errors.Classify(e) is null)
                {
                    // Not a transient refusal of the call as such: each id asks alone, and gets its own answer.
                    alone = ids.ToDictionary(id => id, id => SendAloneAsync(id, CancellationToken.None), StringComparer.Ordinal);
                }
                catch (Exception e)
                {
                    batch.ForEach(p => p.Result.TrySetException(e));
                }
                foreach (var p in alone is null ? [] : batch)
                {
                    _ = Complete(p, alone![p.Id]);
                }
            }
        }
    }

    private static async Task Complete(Pending pending, Task<TResult> answer)
    {
        try
        {
            pending.Result.TrySetResult(await answer);
        }
        catch (Exception e)
        {
            pending.Result.TrySetException(e);
        }
    }

    private sealed record Pending(string Id)
    {
        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
