import Script from "next/script";

export const metadata = { title: "Northwind Energy · Widget demo" };

/** The embeddable widget on a page: one script tag adds a floating "Video Assistance" button. */
export default function WidgetDemoPage() {
  return (
    <main className="demo">
      <header className="demo-header">
        <strong>Northwind Energy</strong>
      </header>
      <section className="panel">
        <h1>Our plans</h1>
        <p>This page includes the widget with a single tag; the button sits at the bottom right.</p>
        <pre>&lt;script src=&quot;https://your-help-desk.example/widget.js&quot; async&gt;&lt;/script&gt;</pre>
      </section>
      <Script src="/widget.js" strategy="afterInteractive" />
    </main>
  );
}
