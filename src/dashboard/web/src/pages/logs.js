// Logs: the app's log, live (Server-Sent Events), filtered by source and dyno as `heroku logs
// --source --dyno` are, with Pause. Lines arrive in bursts (1 000 a second and more): they are
// kept in a buffer and drawn once a frame, at most KEEP of them, so the page never freezes.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { follow } from '../live.js';
import { Problem } from '../widgets.js';

export const KEEP = 1000;

export function Logs({ app }) {
  const [source, setSource] = useState('');
  const [dyno, setDyno] = useState('');
  const [paused, setPaused] = useState(false);
  const [lines, setLines] = useState([]);
  const [held, setHeld] = useState(0);
  const [error, setError] = useState(null);
  const buffer = useRef([]);
  const pausedRef = useRef(false);
  const frame = useRef(0);
  const view = useRef(null);
  pausedRef.current = paused;

  useEffect(() => {
    buffer.current = [];
    setLines([]);
    setError(null);
    const flush = () => {
      frame.current = 0;
      if (pausedRef.current) {
        setHeld(buffer.current.length);
        return;
      }
      const incoming = buffer.current;
      buffer.current = [];
      setLines((old) => {
        const all = old.concat(incoming);
        return all.length > KEEP ? all.slice(all.length - KEEP) : all;
      });
    };
    const stop = follow(
      app.name,
      (line) => {
        buffer.current.push(line);
        if (buffer.current.length > KEEP) buffer.current.splice(0, buffer.current.length - KEEP);
        if (!frame.current) frame.current = requestAnimationFrame(flush);
      },
      { lines: 200, source: source || undefined, dyno: dyno || undefined, onError: setError },
    );
    return () => {
      stop();
      cancelAnimationFrame(frame.current);
      frame.current = 0;
    };
  }, [app.name, source, dyno]);

  useEffect(() => {
    if (!paused) {
      setHeld(0);
      if (buffer.current.length && !frame.current) {
        const incoming = buffer.current;
        buffer.current = [];
        setLines((old) => old.concat(incoming).slice(-KEEP));
      }
    }
  }, [paused]);

  useEffect(() => {
    const el = view.current;
    if (el && !paused) el.scrollTop = el.scrollHeight;
  }, [lines, paused]);

  return html`
    <h2>Logs</h2>
    <form class="filters" onSubmit=${(e) => e.preventDefault()} aria-label="Filter the log">
      <label>Source <select value=${source} onChange=${(e) => setSource(e.currentTarget.value)}>
        <option value="">all</option><option value="app">app</option><option value="heroku">heroku</option>
      </select></label>
      <label>Dyno <input value=${dyno} placeholder="web.1, router, api" onChange=${(e) => setDyno(e.currentTarget.value.trim())} /></label>
      <button type="button" aria-pressed=${paused} onClick=${() => setPaused(!paused)}>${paused ? 'Resume' : 'Pause'}</button>
      <span class="muted" role="status">${paused ? `${held} new lines held` : `${lines.length} lines`}</span>
    </form>
    <${Problem} error=${error} />
    <pre class="log" ref=${view} tabindex="0" aria-label="Log lines" aria-live="off">${lines.map((l, i) => html`<span key=${i} class="line">${l}\n</span>`)}</pre>
  `;
}
