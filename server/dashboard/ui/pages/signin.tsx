/** Sign-in: the admin token or a viewer token, kept in this tab's session only. */
import { useState } from 'preact/hooks';
import { signIn } from '../state.js';

export function SignInPage({ initialError }: { initialError?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(initialError);
  const [busy, setBusy] = useState(false);
  return (
    <main class="signin">
      <h1>Flotilla</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          void signIn(token).then((err) => {
            setError(err);
            setBusy(false);
          });
        }}
      >
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" required value={token} onInput={(e) => setToken((e.currentTarget).value)} />
        <p class="hint">
          The admin token is in the hub's data directory (<code>admin-token</code>); a read-only token comes from <code>flotctl token create --role viewer</code>. It is kept only for this browser tab.
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
