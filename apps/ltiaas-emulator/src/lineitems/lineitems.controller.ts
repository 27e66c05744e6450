import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ContextAuth } from '../auth/auth.service';
import { CallerContext, LtiaasEndpoint } from '../auth/ltiaas-endpoint.decorator';
import { parseLtiaas } from '../common/validation';
import { CreateLineItemBody, LineItemView, ListLineItemsQuery, ReplaceLineItemBody } from './lineitem.dto';
import { LineItemList, LineItemsService } from './lineitems.service';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input' }) as Record<string, unknown>;
const LINE_ITEM_ID = { name: 'lineItemID', description: 'The full line-item URL, percent-encoded as one path segment' };
const CONTEXT_AUTH = ['LTIK', 'SVC'] as const;

@ApiTags('LTIAAS: line items')
@Controller('api/lineitems')
export class LineItemsController {
  constructor(private readonly lineItems: LineItemsService) {}

  @Get()
  @LtiaasEndpoint({ name: 'lineitems.list', auth: CONTEXT_AUTH, service: 'ags' })
  @ApiOperation({ summary: 'Line items of the context; filters resourceLinkId, resourceId, tag, label, limit; paging via url' })
  list(@CallerContext() caller: ContextAuth, @Query() query: unknown): LineItemList {
    return this.lineItems.list(caller, parseLtiaas(ListLineItemsQuery, query, 'query'));
  }

  @Post()
  @LtiaasEndpoint({ name: 'lineitems.create', auth: CONTEXT_AUTH, service: 'ags' })
  @ApiBody({ schema: schema(CreateLineItemBody) })
  @ApiResponse({ status: 201, description: 'The created line item, id filled in' })
  create(@CallerContext() caller: ContextAuth, @Body() body: unknown): LineItemView {
    return this.lineItems.create(caller, parseLtiaas(CreateLineItemBody, body, 'line item'));
  }

  @Get(':lineItemID')
  @LtiaasEndpoint({ name: 'lineitems.get', auth: CONTEXT_AUTH, service: 'ags' })
  @ApiParam(LINE_ITEM_ID)
  get(@CallerContext() caller: ContextAuth, @Param('lineItemID') id: string): LineItemView {
    return this.lineItems.get(caller, id);
  }

  @Put(':lineItemID')
  @HttpCode(201)
  @LtiaasEndpoint({ name: 'lineitems.update', auth: CONTEXT_AUTH, service: 'ags' })
  @ApiParam(LINE_ITEM_ID)
  @ApiBody({ schema: schema(ReplaceLineItemBody) })
  @ApiResponse({ status: 201, description: 'Full replacement; the updated line item (201 as the reference documents)' })
  replace(@CallerContext() caller: ContextAuth, @Param('lineItemID') id: string, @Body() body: unknown): LineItemView {
    return this.lineItems.replace(caller, id, parseLtiaas(ReplaceLineItemBody, body, 'line item'));
  }

  @Delete(':lineItemID')
  @HttpCode(204)
  @LtiaasEndpoint({ name: 'lineitems.delete', auth: CONTEXT_AUTH, service: 'ags' })
  @ApiParam(LINE_ITEM_ID)
  delete(@CallerContext() caller: ContextAuth, @Param('lineItemID') id: string): void {
    this.lineItems.delete(caller, id);
  }
}
