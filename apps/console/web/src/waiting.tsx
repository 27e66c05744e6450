import type { Client, WaitingAnswer } from './api';
import { Empty, ErrorBanner, RefreshButton, Toolbar, useLoad } from './common';
import { ago, count, time } from './format';

/** Activities whose serviceKey is stale or missing: their scores go out after the next launch. */
export function WaitingView({ api }: { api: Client }) {
  const { data, error, loading, reload } = useLoad(() => api.grading<WaitingAnswer>('GET', '/v1/operator/waiting-for-launch'));
  return (
    <section aria-label="Waiting for launch">
      <Toolbar>
        <p class="muted">Scores here go out by themselves once an instructor or learner launches the activity again.</p>
        <RefreshButton loading={loading} onClick={reload} />
      </Toolbar>
      <ErrorBanner error={error} />
      {data &&
        (data.contexts.length === 0 ? (
          <Empty>No activity waits for a launch.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Platform</th>
                <th scope="col">Course</th>
                <th scope="col">Activity</th>
                <th scope="col" class="num">Scores waiting</th>
                <th scope="col">Waiting since</th>
                <th scope="col">Key found stale</th>
                <th scope="col">Last launch</th>
              </tr>
            </thead>
            <tbody>
              {data.contexts.map((c) => (
                <tr key={`${c.platformId} ${c.contextId} ${c.resourceLinkId}`}>
                  <td>{c.platformId}</td>
                  <td>{c.contextId}</td>
                  <td>{c.resourceLinkId}</td>
                  <td class="num">{count(c.scores)}</td>
                  <td>
                    {time(c.waitingSince)} <div class="small muted">{ago(c.waitingSince)}</div>
                  </td>
                  <td>{c.credentialStaleAt ? time(c.credentialStaleAt) : <span class="muted">never captured</span>}</td>
                  <td>{time(c.lastLaunchAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}
