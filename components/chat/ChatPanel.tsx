"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";
import type { Desk } from "@/lib/sdk/desk";
import { isNotice, type ChatMessageView } from "@/lib/realtime/views";
import styles from "@/components/chat/chat.module.css";

/** Text chat of one meeting point: history on open, live messages after, available before and during a call. */
export function ChatPanel({
  desk,
  meetingPointId,
  selfId,
  disabled,
}: {
  desk: Desk;
  meetingPointId: string;
  selfId: string;
  disabled?: boolean;
}) {
  const [messages, setMessages] = useState<ChatMessageView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  const listRef = useRef<HTMLOListElement>(null);

  useEffect(() => {
    let alive = true;
    const off = desk.on("chat:message", ({ message }) => {
      if (message.meetingPointId !== meetingPointId) return;
      setMessages((list) => (list.some((m) => m.id === message.id) ? list : [...list, message]));
    });
    desk
      .request("chat:history", { meetingPointId })
      .then(({ messages: history }) => {
        if (!alive) return;
        setMessages((live) => [...history, ...live.filter((m) => !history.some((h) => h.id === m.id))]);
      })
      .catch((err: Error) => alive && setError(err.message));
    return () => {
      alive = false;
      off();
    };
  }, [desk, meetingPointId]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll to the newest message whenever one arrives
  useEffect(() => {
    listRef.current?.lastElementChild?.scrollIntoView({ block: "end" });
  }, [messages.length]);

  async function send(event: FormEvent) {
    event.preventDefault();
    const body = draft.trim();
    if (!body) return;
    try {
      const { message } = await desk.request("chat:send", { meetingPointId, body });
      setMessages((list) => (list.some((m) => m.id === message.id) ? list : [...list, message]));
      setDraft("");
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <section className={styles.chat} aria-label="Chat">
      <ol className={styles.messages} ref={listRef} data-testid="chat-messages">
        {messages.length === 0 && <li className={styles.empty}>No messages yet.</li>}
        {messages.map((m) => (
          <li
            key={m.id}
            className={isNotice(m) ? styles.notice : m.senderId === selfId ? styles.mine : styles.theirs}
            data-kind={isNotice(m) ? "notice" : "message"}
          >
            {isNotice(m) ? (
              <span className={styles.noticeMark} role="img" aria-label="Help desk notice" title="Help desk notice">
                i
              </span>
            ) : (
              <span className={styles.sender}>{m.senderName}</span>
            )}
            <span className={styles.body}>{m.body}</span>
            <time className={styles.time}>{new Date(m.createdAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}</time>
          </li>
        ))}
      </ol>
      {error && <p className="error">{error}</p>}
      <form onSubmit={send} className={styles.form}>
        <input
          aria-label="Message"
          placeholder="Type a message"
          value={draft}
          maxLength={2000}
          disabled={disabled}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button className="button" type="submit" disabled={disabled || !draft.trim()}>
          Send
        </button>
      </form>
    </section>
  );
}
