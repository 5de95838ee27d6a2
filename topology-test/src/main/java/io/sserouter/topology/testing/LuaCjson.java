package io.sserouter.topology.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sserouter.contract.Json;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.OneArgFunction;

/** Redis's {@code cjson} library for the scripts run by {@link LuaScripts}: {@code decode}, {@code encode}, {@code null}. */
final class LuaCjson {
    private static final LuaValue JSON_NULL = new LuaUserdata(new Object());

    private LuaCjson() {
    }

    static LuaTable library() {
        LuaTable cjson = new LuaTable();
        cjson.set("decode", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue text) {
                return decode(text.checkjstring());
            }
        });
        cjson.set("encode", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue value) {
                return LuaValue.valueOf(Json.write(encode(value)));
            }
        });
        cjson.set("null", JSON_NULL);
        return cjson;
    }

    /** cjson.decode: JSON null becomes {@code cjson.null}, as in Redis, not nil. */
    private static LuaValue decode(String text) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new LuaError("Expected value but found invalid token");
        }
        if (node == null || node.isMissingNode()) {
            throw new LuaError("Expected value but found T_END");
        }
        return toLua(node);
    }

    private static LuaValue toLua(JsonNode node) {
        if (node.isObject()) {
            LuaTable table = new LuaTable();
            node.fields().forEachRemaining(field -> table.set(field.getKey(), toLua(field.getValue())));
            return table;
        }
        if (node.isArray()) {
            LuaTable table = new LuaTable();
            for (int i = 0; i < node.size(); i++) {
                table.set(i + 1, toLua(node.get(i)));
            }
            return table;
        }
        if (node.isNumber()) {
            return LuaValue.valueOf(node.asDouble());
        }
        if (node.isBoolean()) {
            return LuaValue.valueOf(node.asBoolean());
        }
        if (node.isNull()) {
            return JSON_NULL;
        }
        return LuaValue.valueOf(node.asText());
    }

    /** cjson.encode: a table with keys 1..n is an array, any other table an object. */
    private static JsonNode encode(LuaValue value) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (value == JSON_NULL || value.isnil()) {
            return nodes.nullNode();
        }
        switch (value.type()) {
            case LuaValue.TBOOLEAN:
                return nodes.booleanNode(value.toboolean());
            case LuaValue.TNUMBER:
                double number = value.todouble();
                return number == Math.rint(number) && Math.abs(number) < 1e15 ? nodes.numberNode((long) number) : nodes.numberNode(number);
            case LuaValue.TSTRING:
                return nodes.textNode(value.tojstring());
            case LuaValue.TTABLE:
                LuaTable table = (LuaTable) value;
                int length = table.length();
                if (length > 0 && table.keyCount() == length) {
                    ArrayNode array = nodes.arrayNode();
                    for (int i = 1; i <= length; i++) {
                        array.add(encode(table.get(i)));
                    }
                    return array;
                }
                ObjectNode object = nodes.objectNode();
                for (LuaValue key : table.keys()) {
                    object.set(key.tojstring(), encode(table.get(key)));
                }
                return object;
            default:
                throw new LuaError("Cannot serialise " + value.typename() + ": type not supported");
        }
    }
}
