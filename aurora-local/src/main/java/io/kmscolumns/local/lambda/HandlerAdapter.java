package io.kmscolumns.local.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;

/**
 * Calls a handler the way Lambda's Java runtime does: a {@link RequestStreamHandler} gets the raw payload and writes
 * the raw result; a {@link RequestHandler} gets the payload deserialised into its input type (a POJO, a
 * {@code Map}, a {@code String}, ...) and its result is serialised as JSON.
 */
final class HandlerAdapter {

    /** Lenient like the runtime's own serialiser: unknown properties in the event are ignored. */
    static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final boolean streaming;
    private final JavaType inputType;

    private HandlerAdapter(boolean streaming, JavaType inputType) {
        this.streaming = streaming;
        this.inputType = inputType;
    }

    /**
     * Inspects a handler class.
     *
     * @throws IllegalArgumentException when the class implements neither handler interface
     */
    static HandlerAdapter forClass(Class<?> handlerClass) {
        if (RequestStreamHandler.class.isAssignableFrom(handlerClass)) {
            return new HandlerAdapter(true, null);
        }
        if (RequestHandler.class.isAssignableFrom(handlerClass)) {
            return new HandlerAdapter(false, JSON.getTypeFactory().constructType(inputTypeOf(handlerClass)));
        }
        throw new IllegalArgumentException("Handler class " + handlerClass.getName() + " implements neither "
                + RequestHandler.class.getName() + " nor " + RequestStreamHandler.class.getName());
    }

    /**
     * Runs the handler on one payload.
     *
     * @return the response payload
     * @throws Exception what the handler threw, or a {@code RuntimeException} when the payload does not fit the
     *     handler's input type
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    byte[] invoke(Object handler, byte[] payload, Context context) throws Exception {
        if (streaming) {
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            ((RequestStreamHandler) handler).handleRequest(new ByteArrayInputStream(payload), output, context);
            return output.toByteArray();
        }
        Object input;
        try {
            input = payload.length == 0 ? null : JSON.readValue(payload, inputType);
        } catch (JsonProcessingException e) {
            // The Java runtime reports an event it cannot bind with this type and message.
            throw new RuntimeException("An error occurred during JSON parsing", e);
        }
        Object result = ((RequestHandler) handler).handleRequest(input, context);
        return JSON.writeValueAsBytes(result);
    }

    private static Type inputTypeOf(Class<?> handlerClass) {
        for (Class<?> type = handlerClass; type != null; type = type.getSuperclass()) {
            for (Method method : type.getDeclaredMethods()) {
                if (method.getName().equals("handleRequest") && !method.isBridge() && !method.isSynthetic()
                        && !Modifier.isStatic(method.getModifiers()) && method.getParameterCount() == 2
                        && method.getParameterTypes()[1] == Context.class) {
                    Type input = method.getGenericParameterTypes()[0];
                    return input instanceof TypeVariable<?> ? Object.class : input;
                }
            }
        }
        return Object.class;
    }
}
