import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { client } from './api';
import { DeadLettersView } from './dead-letters';
import { KeysView } from './keys';
import { LearnerView } from './learner';
import { clearSession, loadSession, type Session } from './session';
import { SignIn } from './sign-in';
import { SyncView } from './sync';
import { WaitingView } from './waiting';
import './styles.css';

const SECTIONS = [
  { id: 'sync', label: 'Sync state' },
  { id: 'learner', label: 'Find a learner' },
  { id: 'waiting', label: 'Waiting for launch' },
  { id: 'dead-letters', label: 'Dead letters' },
  { id: 'keys', label: 'API keys' },
] as const;
type SectionId = (typeof SECTIONS)[number]['id'];

function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [notice, setNotice] = useState<string | null>(null);
  const [section, setSection] = useState<SectionId>('sync');

  const heading = useRef<HTMLHeadingElement>(null);
  const firstRender = useRef(true);

  const signOut = (message: string | null) => {
    clearSession();
    setSession(null);
    setNotice(message);
  };

  // The token cannot be renewed without the key: at its expiry, back to the sign-in form.
  useEffect(() => {
    if (!session) return;
    const timer = setTimeout(() => signOut('Your session ended (the token expired). Sign in again.'), Math.max(0, session.expiresAt - Date.now()));
    return () => clearTimeout(timer);
  }, [session]);

  // A keyboard or screen-reader user lands on the new section's heading, not back at the top.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    heading.current?.focus();
  }, [section]);

  if (!session) return <SignIn notice={notice} onSignedIn={(s) => (setNotice(null), setSession(s))} />;
  const api = client(session, () => signOut('Your session ended (the token expired or was revoked). Sign in again.'));
  const current = SECTIONS.find((s) => s.id === section)!;

  return (
    <div class="shell">
      <header class="topbar">
        <div class="brand">
          <span class="logo" aria-hidden="true">◆</span> LTI grading <span class="muted">· operator console</span>
        </div>
        <div class="who">
          Signed in as <strong>{session.handle}</strong>
          <span class="muted"> · until {new Date(session.expiresAt).toISOString().slice(11, 16)} UTC</span>
          <button type="button" class="ghost" onClick={() => signOut(null)}>
            Sign out
          </button>
        </div>
      </header>
      <nav class="sidenav" aria-label="Sections">
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.id}>
              <button type="button" aria-current={s.id === section ? 'page' : undefined} onClick={() => setSection(s.id)}>
                {s.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main class="content" aria-labelledby="section-title">
        <h1 id="section-title" tabIndex={-1} ref={heading}>
          {current.label}
        </h1>
        {section === 'sync' && <SyncView api={api} />}
        {section === 'learner' && <LearnerView api={api} />}
        {section === 'waiting' && <WaitingView api={api} />}
        {section === 'dead-letters' && <DeadLettersView api={api} />}
        {section === 'keys' && <KeysView api={api} self={session.handle} />}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
