package io.sserouter.topology.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaInteger;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.OneArgFunction;
import org.luaj.vm2.lib.VarArgFunction;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * Runs Lua scripts the way Redis does, with LuaJ: {@code KEYS} and {@code ARGV}, {@code redis.call} (an error
 * reply raises), {@code redis.pcall} (an error reply comes back as a table with {@code err}),
 * {@code redis.error_reply}/{@code status_reply}, and {@code cjson} ({@link LuaCjson}). Replies cross as in Redis: nil becomes false,
 * integers numbers, status and error replies tables with {@code ok}/{@code err}; a Lua number returned becomes an
 * integer (fraction dropped), true 1, false nil.
 */
final class LuaScripts {
    private final InMemoryRedis redis;
    private final Globals globals = JsePlatform.standardGlobals();
    private final Map<String, LuaValue> compiled = new HashMap<>();

    LuaScripts(InMemoryRedis redis) {
        this.redis = redis;
        LuaTable lib = new LuaTable();
        lib.set("call", command(false));
        lib.set("pcall", command(true));
        lib.set("error_reply", reply("err"));
        lib.set("status_reply", reply("ok"));
        globals.set("redis", lib);
        globals.set("cjson", LuaCjson.library());
        if (globals.get("unpack").isnil()) {
            globals.set("unpack", globals.get("table").get("unpack")); // a global in Redis's Lua 5.1
        }
    }

    Object eval(String source, List<String> keys, List<String> args) {
        LuaValue script = compiled.computeIfAbsent(source, s -> globals.load(s, "@user_script"));
        globals.set("KEYS", strings(keys));
        globals.set("ARGV", strings(args));
        LuaValue result;
        try {
            result = script.call();
        } catch (LuaError e) {
            LuaValue raised = e.getMessageObject();
            if (raised != null && raised.istable() && raised.get("err").isstring()) {
                throw new RedisError(raised.get("err").tojstring());
            }
            throw new RedisError("ERR user_script: " + e.getMessage());
        }
        return toReply(result);
    }

    private VarArgFunction command(boolean protectedCall) {
        return new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                List<String> command = new ArrayList<>(args.narg());
                for (int i = 1; i <= args.narg(); i++) {
                    command.add(argument(args.arg(i)));
                }
                try {
                    return toLua(redis.call(command.toArray(String[]::new)));
                } catch (RedisError e) {
                    LuaTable error = new LuaTable();
                    error.set("err", e.getMessage());
                    if (protectedCall) {
                        return error;
                    }
                    throw new LuaError(error);
                }
            }
        };
    }

    private static OneArgFunction reply(String field) {
        return new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue message) {
                LuaTable table = new LuaTable();
                table.set(field, message.checkstring());
                return table;
            }
        };
    }

    /** Strings pass as they are; numbers as Redis formats them (integers without a fraction). */
    private static String argument(LuaValue value) {
        if (value.type() == LuaValue.TSTRING) {
            return value.tojstring();
        }
        if (value.type() == LuaValue.TNUMBER) {
            double number = value.todouble();
            return number == Math.rint(number) && !Double.isInfinite(number) ? String.valueOf((long) number) : String.format("%.17g", number);
        }
        throw new LuaError("Lua redis lib command arguments must be strings or integers");
    }

    private static LuaValue toLua(Object reply) {
        if (reply == null) {
            return LuaValue.FALSE;
        }
        if (reply instanceof Long number) {
            return LuaInteger.valueOf(number);
        }
        if (reply instanceof String text) {
            return LuaValue.valueOf(text);
        }
        if (reply instanceof InMemoryRedis.Status status) {
            LuaTable table = new LuaTable();
            table.set("ok", status.text());
            return table;
        }
        if (reply instanceof List<?> items) {
            LuaTable table = new LuaTable();
            for (int i = 0; i < items.size(); i++) {
                table.set(i + 1, toLua(items.get(i)));
            }
            return table;
        }
        throw new IllegalStateException("no Lua form for " + reply.getClass());
    }

    private static Object toReply(LuaValue value) {
        switch (value.type()) {
            case LuaValue.TNUMBER:
                return (long) value.todouble();
            case LuaValue.TSTRING:
                return value.tojstring();
            case LuaValue.TBOOLEAN:
                return value.toboolean() ? 1L : null;
            case LuaValue.TTABLE:
                if (value.get("err").isstring()) {
                    throw new RedisError(value.get("err").tojstring());
                }
                if (value.get("ok").isstring()) {
                    return new InMemoryRedis.Status(value.get("ok").tojstring());
                }
                List<Object> items = new ArrayList<>();
                for (int i = 1; !value.get(i).isnil(); i++) {
                    items.add(toReply(value.get(i)));
                }
                return items;
            default:
                return null;
        }
    }

    private static LuaTable strings(List<String> values) {
        LuaTable table = new LuaTable();
        for (int i = 0; i < values.size(); i++) {
            table.set(i + 1, LuaValue.valueOf(values.get(i)));
        }
        return table;
    }
}
