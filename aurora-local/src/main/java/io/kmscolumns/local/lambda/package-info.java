/**
 * A local stand-in for the AWS Lambda Invoke API that hosts Java handlers in the same JVM.
 *
 * <p>{@link io.kmscolumns.local.lambda.LocalLambda} serves {@code POST /2015-03-31/functions/{name}/invocations} on
 * the loopback interface so that the AWS SDK, the AWS CLI and the {@code aws_lambda} emulation in PostgreSQL can call
 * handlers registered with a {@link io.kmscolumns.local.lambda.LambdaFunctionDefinition} without any network access
 * to AWS.
 *
 * @see <a href="https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html">Lambda API Reference: Invoke</a>
 */
package io.kmscolumns.local.lambda;
