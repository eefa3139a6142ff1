import Link from "next/link";

export default function HomePage() {
  return (
    <main>
      <div className="panel">
        <h1>Video Help Desk</h1>
        <p className="muted">Visitors ask for video assistance; agents take tickets, call and record the encounter.</p>
        <p>
          <Link className="button" href="/console">
            Agent console
          </Link>
        </p>
      </div>
    </main>
  );
}
