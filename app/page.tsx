import Link from "next/link";

export default function HomePage() {
  return (
    <main>
      <div className="panel">
        <h1>Video Help Desk</h1>
        <p className="muted">Visitors ask for video assistance; agents take tickets, call and record the encounter.</p>
        <p className="row">
          <Link className="button" href="/console">
            Agent console
          </Link>
          <Link className="button secondary" href="/demo/plain">
            Visitor demo page
          </Link>
          <Link className="button secondary" href="/demo/widget">
            Widget demo
          </Link>
        </p>
      </div>
    </main>
  );
}
