import Link from "next/link";

export const metadata = { title: "Northwind Energy · Customer service" };

/** A plain page of a fictional company: the simplest integration is a link to the visitor view. */
export default function PlainDemoPage() {
  return (
    <main className="demo">
      <header className="demo-header">
        <strong>Northwind Energy</strong>
        <nav>
          <a href="#plans">Plans</a> · <a href="#billing">Billing</a> · <a href="#help">Help</a>
        </nav>
      </header>
      <section className="panel">
        <h1>Need help with your contract or your bill?</h1>
        <p>Our advisers are available Monday to Saturday. Talk to one face to face: no phone queue, no app to install.</p>
        <p>
          <Link className="button" href="/visit">
            Video Assistance
          </Link>
        </p>
        <p className="muted">
          Other sites can add the same button with one tag: <code>&lt;script src=&quot;/widget.js&quot; async&gt;&lt;/script&gt;</code> (
          <Link href="/demo/widget">see it on a page</Link>).
        </p>
      </section>
    </main>
  );
}
