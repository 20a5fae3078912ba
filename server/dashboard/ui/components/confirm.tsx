/** A modal confirmation that names what it acts on; Escape or Cancel closes it, focus stays inside. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface ConfirmProps {
  title: string;
  /** The button's label, e.g. "Cordon pi-7". */
  action: string;
  danger?: boolean;
  children?: ComponentChildren;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

export function Confirm(p: ConfirmProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  const run = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await p.onConfirm();
      p.onClose();
    } catch (e: unknown) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="confirm-title" onClose={p.onClose}>
      <h2 id="confirm-title">{p.title}</h2>
      {p.children}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="buttons">
        <button type="button" onClick={p.onClose}>
          Cancel
        </button>
        <button type="button" class={p.danger ? 'danger' : 'primary'} disabled={busy} onClick={() => void run()}>
          {p.action}
        </button>
      </div>
    </dialog>
  );
}
