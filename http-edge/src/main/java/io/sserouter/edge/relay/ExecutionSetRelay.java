package io.sserouter.edge.relay;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sserouter.contract.ControlEvents;
import io.sserouter.contract.Json;
import io.sserouter.contract.StatusSnapshot;
import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.redis.EventStore;
import io.sserouter.edge.sse.Published;
import io.sserouter.edge.sse.SseSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One client's stream of a chosen set of executions, each with its own {@link ExecutionCursor} (the single-execution
 * semantics) and its own channel, all on one connection. Every event's {@code id:} is the {@link SetCursor} of the
 * whole set as of that event, so a plain EventSource that reconnects resumes every execution exactly. An execution
 * leaves the set when it has closed (after its linger) or is refused ({@code error} naming it); the stream ends when
 * none is left.
 */
public final class ExecutionSetRelay extends Relay {
    private final List<Member> members;
    private final Map<String, Member> byExecution = new HashMap<>();
    private int left; // executions that left the set; only touched by the stream's serial steps

    /** @param resumeAfter the client's cursor, one position per execution (null entries: nothing seen), or null when fresh */
    public ExecutionSetRelay(List<String> executionIds, List<Long> resumeAfter, Principal principal, StreamDeps deps) {
        super(deps);
        List<Member> all = new ArrayList<>(executionIds.size());
        for (int i = 0; i < executionIds.size(); i++) {
            all.add(new Member(executionIds.get(i), resumeAfter == null ? null : resumeAfter.get(i), principal, deps));
        }
        this.members = List.copyOf(all);
        members.forEach(member -> byExecution.put(member.executionId, member));
    }

    /** Relays to {@code sink}, each execution starting from its snapshot read after the subscription (null: no event yet). */
    public void start(SseSink sink, List<StatusSnapshot> snapshots) {
        start(sink, () -> {
            for (int i = 0; i < members.size() && !closed(); i++) {
                members.get(i).cursor.start(snapshots.get(i));
            }
        });
    }

    @Override
    protected List<String> channels() {
        return members.stream().map(member -> store.keys().execChannel(member.executionId)).toList();
    }

    @Override
    protected EventStore.Listener listener(int index) {
        return members.get(index);
    }

    /** A message goes to the cursor of its execution (each channel has its own listener, for its own resync). */
    @Override
    protected void relay(Published message) {
        Member member = byExecution.get(message.executionId());
        if (member != null) {
            member.cursor.relay(message);
        }
    }

    @Override
    protected boolean relaysWithoutBlocking(Published message) {
        Member member = byExecution.get(message.executionId());
        return member == null || member.cursor.relaysWithoutReading(message);
    }

    @Override
    protected void resync() {
        // likewise: each member resyncs its own execution
    }

    @Override
    protected void recover() {
        for (Member member : members) {
            member.cursor.resync();
        }
    }

    /** The set's cursor as of an event that leaves {@code member} at {@code seq}. */
    private String cursorId(Member member, long seq) {
        return SetCursor.format(members.size(), i -> members.get(i) == member ? seq : members.get(i).cursor.position());
    }

    private void leave() {
        left++;
        if (left == members.size()) {
            close();
        }
    }

    /** One execution of the set: its channel's listener and its cursor's output. */
    private final class Member implements EventStore.Listener, ExecutionCursor.Output {
        private final String executionId;
        private final ExecutionCursor cursor;

        Member(String executionId, Long resumeAfter, Principal principal, StreamDeps deps) {
            this.executionId = executionId;
            this.cursor = new ExecutionCursor(executionId, resumeAfter, principal, deps, this);
        }

        @Override
        public void onMessage(Published message, boolean mayRelayHere) {
            ExecutionSetRelay.this.onMessage(message, mayRelayHere);
        }

        @Override
        public void onResync() {
            submit(cursor::resync);
        }

        @Override
        public boolean write(long seq, String event, String data) {
            return send(cursorId(this, seq), event, data);
        }

        @Override
        public boolean writeLive(Published message) {
            return deliver(cursorId(this, message.seq()), message); // encoded for this stream: its id is the set's
        }

        @Override
        public void after(Duration delay, Runnable step) {
            later(delay, step);
        }

        @Override
        public void ended() {
            leave();
        }

        /** The execution leaves the set with an {@code error} naming it; the others go on. */
        @Override
        public void refused(String reason) {
            ObjectNode data = Json.MAPPER.createObjectNode().put("reason", reason).put("execution_id", executionId);
            if (send(null, ControlEvents.ERROR, data.toString())) {
                leave();
            }
        }
    }
}
